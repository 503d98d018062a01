/**
 * The client: every call runs attempts until one is answered, a node refuses it for good, or the
 * call's deadline passes.
 *
 * The one rule that makes retrying writes safe: a `command()` takes its sequence number ONCE, and
 * every attempt of that call carries the same SessionStamp (clientId + sequence). However many
 * attempts reach the cluster, the node's session table applies the command once and answers the
 * others with the first result (Raft thesis §6.3).
 *
 * Stamps come from the Session (session.ts), which also keeps the node's session rules: the
 * first command of a session runs alone, and at most `maxInflightCommands` run at once.
 *
 * At the deadline the call reports what is known about a write: if any attempt may have reached
 * a node (it was sent on an open socket and its answer was lost, timed out, or said the outcome
 * is unknown) the write may have applied: OutcomeUnknownError. Otherwise every attempt was
 * refused before it could apply: NoLeaderError (nodes answered, none could serve),
 * ClusterUnavailableError (no node could be reached) or TimeoutError (never sent). To keep that
 * certainty, a write refused so far sends no retry in the last `min(requestTimeoutMs,
 * retry.maxMs, deadlineMs) / 2` ms of its deadline: an answer could not come back in time.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { WebSocket as NodeWebSocket } from 'ws';
import { DEFAULT_RETRY, createBackoff, type RetryOptions } from './backoff.js';
import type { AttemptOutcome, Connection, RequestBody } from './connection.js';
import { Connector } from './connector.js';
import { delay } from './delay.js';
import {
  ClientClosedError,
  ClusterUnavailableError,
  NoLeaderError,
  OutcomeUnknownError,
  RaftkitClientError,
  RequestRejectedError,
  TimeoutError,
  isRejectionCode,
} from './errors.js';
import { createKvClient, type KvClient } from './kv.js';
import { Session, type CommandFate } from './session.js';
import type { CommandResult, KvCommand, KvQuery, LeaderInfo, NodeStatusSummary, QueryResult, SessionStamp } from './protocol.js';
import { toWebSocketUrl, type WebSocketConstructor, type WebSocketLike } from './web-socket.js';

/** ClientOptions configure createClient. */
export interface ClientOptions {
  /** Client addresses of the nodes (`host:port`, or a `ws://`/`http://` URL); any subset works. */
  readonly nodes: readonly string[];
  /** The session's client id; default a random UUID. Two live clients MUST NOT share one. */
  readonly clientId?: string;
  /** How long one attempt waits for its answer (and one connection for its `hello`), in ms. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** How long one call may take over all its attempts, in ms. Default 15000. */
  readonly deadlineMs?: number;
  /** Jittered exponential backoff between retries. Default `{ minMs: 50, maxMs: 2000 }`. */
  readonly retry?: Partial<RetryOptions>;
  /** The WebSocket implementation; default the `ws` package's. */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * The API bearer token of nodes started with `--tokens-file`, sent in each connection's
   * `hello`. A missing or unknown token makes calls reject with UNAUTHORIZED, a role too weak
   * with FORBIDDEN.
   */
  readonly token?: string;
  /**
   * Certificate authorities (PEM) trusted for `wss://` / `https://` nodes, in place of the
   * system's: for nodes with certificates of a private CA. Node.js only (the default `ws`
   * WebSocket); a browser trusts what the browser trusts.
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** A source of numbers in [0, 1) for the backoff jitter; default Math.random. */
  readonly random?: () => number;
  /**
   * Commands in flight at once; more wait for a slot. Default 64. MUST NOT exceed the node's
   * `maxRetainedResults` (default 64), or a retry could find its answer already evicted.
   */
  readonly maxInflightCommands?: number;
}

/** QueryOptions change how a read is served. */
export interface QueryOptions {
  /**
   * `true` answers from the contacted node's local state, without asking the leader: fast, but it
   * may miss writes acknowledged elsewhere. Default false: linearizable (the node runs ReadIndex).
   */
  readonly stale?: boolean;
}

/** RaftkitClient talks to a raftkit cluster; create it with createClient. */
export interface RaftkitClient {
  /**
   * The client id of the current session, which every command's SessionStamp carries. It starts
   * as `options.clientId` and becomes `<that>.2`, `.3`, ... when the client starts a new session
   * (after SESSION_EXPIRED, or when it cannot tell whether its first command applied).
   */
  readonly clientId: string;
  /** Typed helpers for the reference node's key-value store. */
  readonly kv: KvClient;
  /**
   * command applies a write once, retrying with the same SessionStamp until it is answered or
   * the deadline passes. Rejects with a RaftkitClientError subclass (see README's error table).
   * Generic over the node's machine: a KV node takes `KvCommand`s (the defaults); a node started
   * with `--machine` takes that machine's commands and answers with its results (`C`, `R`: the
   * plugin's own types; they travel as msgpack, so plain data).
   */
  command<C = KvCommand, R = CommandResult>(command: C): Promise<R>;
  /**
   * query reads; linearizable unless `stale`. Reads change nothing, so any failure is retried.
   * Generic as `command`: `KvQuery` on a KV node, the machine's queries on a `--machine` node.
   */
  query<Q = KvQuery, R = QueryResult>(query: Q, options?: QueryOptions): Promise<R>;
  /** status returns the status of the node the client is connected to. */
  status(): Promise<NodeStatusSummary>;
  /** close closes the connection and rejects every pending call with ClientClosedError. */
  close(): Promise<void>;
}

/** DEFAULT_REQUEST_TIMEOUT_MS is the default of `requestTimeoutMs`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** DEFAULT_DEADLINE_MS is the default of `deadlineMs`. */
export const DEFAULT_DEADLINE_MS = 15_000;
/** DEFAULT_MAX_INFLIGHT_COMMANDS is the default of `maxInflightCommands` (core's maxRetainedResults). */
export const DEFAULT_MAX_INFLIGHT_COMMANDS = 64;

/** The three kinds of call; they differ in what a lost answer means. */
type CallKind = 'command' | 'query' | 'status';

/** Thrown inside a call when its deadline passed; turned into the error the call's history earned. */
const DEADLINE = Symbol('deadline');

/** What a call learned from its attempts, for the error it gives up with. */
interface CallHistory {
  /** Some attempt may have reached a node without a certain answer. */
  uncertain: boolean;
  /** The last certain failure: nodes answered but could not serve, or none could be reached. */
  lastCertain: 'refused' | 'unreachable';
  /** Connection attempts this call waited on (each failed, or the deadline came first). */
  connectAttempts: number;
  /** The call held an open connection at some point. */
  connected: boolean;
  lastReason: string;
  lastLeader: LeaderInfo | undefined;
}

/**
 * createClient returns a client for the cluster at `options.nodes`. It connects lazily, on the
 * first call. Throws a TypeError or RangeError for invalid options.
 */
export function createClient(options: ClientOptions): RaftkitClient {
  return new Client(options);
}

class Client implements RaftkitClient {
  readonly kv: KvClient;
  private readonly requestTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly retry: RetryOptions;
  private readonly random: () => number;
  private readonly connector: Connector;
  private readonly closing = new AbortController();
  private readonly session: Session;

  constructor(options: ClientOptions) {
    if (options.nodes.length === 0) throw new RangeError('createClient needs at least one node address');
    for (const address of options.nodes) toWebSocketUrl(address);
    const clientId = options.clientId ?? randomUUID();
    if (clientId === '') throw new RangeError('clientId must not be empty');
    const maxInflight = options.maxInflightCommands ?? DEFAULT_MAX_INFLIGHT_COMMANDS;
    if (!Number.isSafeInteger(maxInflight) || maxInflight < 1) throw new RangeError(`maxInflightCommands must be a positive integer, got ${maxInflight}`);
    this.session = new Session(clientId, maxInflight);
    // Every waiting call listens for close(); thousands may wait, which is no leak.
    setMaxListeners(0, this.closing.signal);
    this.requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.deadlineMs = positive('deadlineMs', options.deadlineMs ?? DEFAULT_DEADLINE_MS);
    const minMs = positive('retry.minMs', options.retry?.minMs ?? DEFAULT_RETRY.minMs);
    const maxMs = positive('retry.maxMs', options.retry?.maxMs ?? Math.max(DEFAULT_RETRY.maxMs, minMs));
    if (maxMs < minMs) throw new RangeError('retry.maxMs must be at least retry.minMs');
    this.retry = { minMs, maxMs };
    this.random = options.random ?? Math.random;
    this.connector = new Connector({
      nodes: options.nodes,
      WebSocket: options.WebSocket ?? nodeWebSocket(options.ca),
      clientId,
      ...(options.token === undefined ? {} : { token: options.token }),
      connectTimeoutMs: this.requestTimeoutMs,
      retry: this.retry,
      random: this.random,
      signal: this.closing.signal,
    });
    this.kv = createKvClient(this);
  }

  get clientId(): string {
    return this.session.clientId;
  }

  async command<C = KvCommand, R = CommandResult>(command: C): Promise<R> {
    const deadline = performance.now() + this.deadlineMs;
    // The sequence is taken here, once: every attempt below reuses this stamp.
    const session = await this.session.take(deadline, this.closing.signal);
    if (session === undefined) {
      if (this.closing.signal.aborted) throw new ClientClosedError('the client was closed', true);
      throw new TimeoutError(`the command waited ${this.deadlineMs} ms for its session and was never sent`);
    }
    // A KV node answers a CommandResult; a --machine node { result, index }, of which the caller gets `result`.
    const kv = isKvCommand(command);
    const accept = kv ? (command.op === 'cas' ? isCasCommandResult : isCommandResult) : isMachineAnswer;
    try {
      const result = await this.call('command', { type: 'command', command, session } as RequestBody, accept, deadline, session);
      this.session.settle(session, 'applied');
      return (kv ? result : (result as MachineAnswer).result) as R;
    } catch (error) {
      this.session.settle(session, fateOf(error));
      throw error;
    }
  }

  query<Q = KvQuery, R = QueryResult>(query: Q, options: QueryOptions = {}): Promise<R> {
    // Absent keys are omitted, never sent as msgpack `undefined`, which other readers reject.
    const body = (options.stale === true ? { type: 'query', query, stale: true } : { type: 'query', query }) as RequestBody;
    if (isKvQuery(query)) return this.call('query', body, isQueryResult, performance.now() + this.deadlineMs) as Promise<R>;
    return this.call('query', body, isMachineAnswer, performance.now() + this.deadlineMs).then((answer) => answer.result as R);
  }

  status(): Promise<NodeStatusSummary> {
    return this.call('status', { type: 'status' }, isNodeStatus, performance.now() + this.deadlineMs);
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  private async call<Result>(
    kind: CallKind,
    body: RequestBody,
    accept: (result: unknown) => result is Result,
    deadline: number,
    session?: SessionStamp,
  ): Promise<Result> {
    const history: CallHistory = { uncertain: false, lastCertain: 'unreachable', connectAttempts: 0, connected: false, lastReason: '', lastLeader: undefined };
    const backoff = createBackoff(this.retry, this.random);
    // A write that certainly did not apply so far sends no retry this close to its deadline: the
    // answer could not come in time, and the write would end "outcome unknown" instead of "not applied".
    // At most half the deadline, so a call that starts at once always gets its first attempt.
    const floor = kind === 'command' ? Math.min(this.requestTimeoutMs, this.retry.maxMs, this.deadlineMs) / 2 : 0;
    let followedRedirect = false;
    try {
      for (;;) {
        this.throwIfClosed(history);
        const connection = await this.connect(deadline, history);
        if (connection === undefined) continue;
        history.connected = true;
        const remaining = deadline - performance.now();
        if (remaining <= 0 || (!history.uncertain && remaining < floor)) throw DEADLINE;
        const attemptTimeoutMs = Math.min(this.requestTimeoutMs, remaining);
        const outcome: AttemptOutcome = await connection.request(body, attemptTimeoutMs);
        if (outcome.kind === 'not-sent') continue;
        if (outcome.kind === 'dropped' || outcome.kind === 'timed-out') {
          // The node may have acted on it; the next attempt carries the same stamp.
          history.uncertain = true;
          history.lastReason = outcome.kind === 'dropped' ? `connection to ${connection.address} lost: ${outcome.reason}` : `no answer from ${connection.address} within ${Math.round(attemptTimeoutMs)} ms`;
          continue;
        }
        const { response } = outcome;
        const redirected = this.connector.follow(response.leader, connection);
        if (response.ok) {
          if (accept(response.result)) return response.result;
          // A node that answers nonsense may have applied the write; treat it as a lost answer.
          history.uncertain = true;
          history.lastReason = `malformed ${kind} result from ${connection.address}`;
          connection.close(history.lastReason, 1002);
          continue;
        }
        const { code, message, retryAfterMs } = response.error;
        if (isRejectionCode(code)) throw new RequestRejectedError(code, message, history.uncertain);
        history.lastReason = `${connection.address} answered ${code}${message === '' ? '' : `: ${message}`}`;
        let wait: number;
        if (code === 'NO_LEADER' || code === 'NOT_MEMBER' || code === 'SHUTTING_DOWN') {
          history.lastCertain = 'refused';
          history.lastLeader = response.leader ?? history.lastLeader;
          if (!redirected) this.connector.rotate(connection);
          // Following a redirect is worth an immediate retry once; nodes pointing at each other are not.
          wait = redirected && !followedRedirect ? 0 : (retryAfterMs ?? backoff.next());
          followedRedirect ||= redirected;
          // Sleeping into the last stretch would only end in the same certain failure.
          if (!history.uncertain && performance.now() + wait > deadline - floor) throw DEADLINE;
        } else {
          // OUTCOME_UNKNOWN, TIMEOUT, INTERNAL: it may have applied; retry with the same stamp.
          history.uncertain = true;
          wait = retryAfterMs ?? backoff.next();
        }
        await delay(Math.min(wait, deadline - performance.now()), this.closing.signal);
      }
    } catch (error) {
      if (error !== DEADLINE) throw error;
      throw this.deadlineError(kind, history, session);
    }
  }

  /**
   * connect returns an open connection, trying nodes until one answers; undefined once the client
   * closed. Throws DEADLINE when the deadline passes first.
   */
  private async connect(deadline: number, history: CallHistory): Promise<Connection | undefined> {
    for (;;) {
      const ready = this.connector.ready();
      if (ready !== undefined) return ready;
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw DEADLINE;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<typeof DEADLINE>((resolve) => {
        timer = setTimeout(() => resolve(DEADLINE), remaining);
      });
      history.connectAttempts++;
      const attempt = this.connector.step().then(
        (connection) => connection,
        () => undefined,
      );
      const result = await Promise.race([attempt, timedOut]);
      clearTimeout(timer);
      if (result === DEADLINE) throw DEADLINE;
      if (this.closing.signal.aborted) return undefined;
      if (result !== undefined && result.isOpen) return result;
    }
  }

  private throwIfClosed(history: CallHistory): void {
    if (this.closing.signal.aborted) throw new ClientClosedError('the client was closed', !history.uncertain);
  }

  private deadlineError(kind: CallKind, history: CallHistory, session: SessionStamp | undefined): Error {
    const after = `after ${this.deadlineMs} ms`;
    const last = history.lastReason === '' ? '' : ` (last: ${history.lastReason})`;
    if (history.uncertain) {
      if (kind === 'command' && session !== undefined) {
        return new OutcomeUnknownError(`the command's outcome is unknown ${after}${last}`, session);
      }
      return new TimeoutError(`no answer to the ${kind} ${after}${last}`);
    }
    if (history.lastCertain === 'refused') return new NoLeaderError(`no node could serve the ${kind} ${after}${last}`, history.lastLeader);
    if (history.connectAttempts > 0 && !history.connected) return new ClusterUnavailableError(`no node could be reached ${after} (last: ${this.connector.lastFailure})`);
    // Nothing sent, no node failed: the call waited its turn (session start, command window) or
    // for a connection until too little time was left for an attempt.
    return new TimeoutError(`the ${kind} was never sent: too little of its deadline was left ${after}`);
  }
}

/** fateOf tells the session what a failed command came to. */
function fateOf(error: unknown): CommandFate {
  if (error instanceof RequestRejectedError) {
    if (error.code === 'SESSION_EXPIRED') return 'expired';
    // The stamp was applied once; its answer is gone, but the session exists.
    if (error.code === 'SESSION_RESULT_EVICTED') return 'applied';
  }
  if (error instanceof RaftkitClientError) return error.certainlyNotApplied ? 'not-applied' : 'unknown';
  return 'unknown';
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** isKvCommand tells a KvCommand (whose answer is checked) from a hosted machine's command. */
function isKvCommand(command: unknown): command is KvCommand {
  return isRecord(command) && typeof command['key'] === 'string' && (command['op'] === 'put' || command['op'] === 'delete' || command['op'] === 'cas');
}

function isKvQuery(query: unknown): query is KvQuery {
  return isRecord(query) && query['op'] === 'get' && typeof query['key'] === 'string';
}

/** MachineAnswer is how a --machine node answers: the machine's result and the log index it reflects. */
interface MachineAnswer {
  readonly result: unknown;
  readonly index: number;
}

function isMachineAnswer(answer: unknown): answer is MachineAnswer {
  return isRecord(answer) && typeof answer['index'] === 'number' && 'result' in answer;
}

function isCommandResult(result: unknown): result is CommandResult {
  if (!isRecord(result) || typeof result['index'] !== 'number') return false;
  const cas = result['cas'];
  if (cas === undefined || cas === null) return true;
  return isRecord(cas) && typeof cas['ok'] === 'boolean' && (cas['current'] === null || typeof cas['current'] === 'string');
}

function isCasCommandResult(result: unknown): result is CommandResult {
  return isCommandResult(result) && result.cas !== undefined && result.cas !== null;
}

function isQueryResult(result: unknown): result is QueryResult {
  return isRecord(result) && typeof result['index'] === 'number' && (result['value'] === null || result['value'] instanceof Uint8Array);
}

function isNodeStatus(result: unknown): result is NodeStatusSummary {
  return isRecord(result) && typeof result['id'] === 'string' && typeof result['role'] === 'string' && typeof result['term'] === 'number';
}

/** nodeWebSocket is the `ws` package's WebSocket, trusting `ca` when given. */
function nodeWebSocket(ca: ClientOptions['ca']): WebSocketConstructor {
  if (ca === undefined) return NodeWebSocket as unknown as new (url: string) => WebSocketLike;
  const trusted = typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : [...ca];
  return class TrustingWebSocket extends NodeWebSocket {
    constructor(url: string) {
      super(url, { ca: trusted });
    }
  } as unknown as WebSocketConstructor;
}
