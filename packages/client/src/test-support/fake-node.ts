/**
 * A scriptable stand-in for a raftkit node's `/v1/ws` endpoint, for the client's tests: a `ws`
 * server on 127.0.0.1 (port 0) that speaks the client protocol over a tiny in-memory KV with a
 * session table keyed by SessionStamp, with the rules of core's session state machine: a retried
 * stamp is answered its first result and not applied again; sequence 1 from an unknown client
 * starts its session, any other sequence from one is answered SESSION_EXPIRED.
 *
 * Several fake nodes may share one FakeStore: they then behave like the members of one cluster
 * (a command applied through one is known to all), which is what failover tests need.
 *
 * Knobs: `refuse` answers every command and query with an error (NO_LEADER with a leader hint,
 * say) until cleared; `next(...actions)` scripts what happens to the next commands and queries
 * (an error answer, a dropped connection or an answer held back forever, each before or after
 * applying, or an answer sent late); `leader` is attached to every answer.
 */
import { createServer, type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeValue, encodeResponse, toBytes } from '../frame-codec.js';
import {
  PROTOCOL_VERSION,
  type ClientRequest,
  type ClientResponse,
  type CommandResult,
  type ErrorCode,
  type KvCommand,
  type LeaderInfo,
  type NodeStatusSummary,
  type SessionStamp,
} from '../protocol.js';

/** FakeStore is the replicated state of a fake cluster: the KV, the session table, the log index. */
export interface FakeStore {
  readonly kv: Map<string, Uint8Array>;
  /** Per live session (by client id), the first result of each applied sequence. */
  readonly sessions: Map<string, Map<number, CommandResult>>;
  /** Every command that changed state, in order; a deduplicated retry adds nothing. */
  readonly applications: { readonly session: SessionStamp; readonly command: KvCommand; readonly by: string }[];
  lastIndex: number;
}

/** createFakeStore returns an empty store. */
export function createFakeStore(): FakeStore {
  return { kv: new Map(), sessions: new Map(), applications: [], lastIndex: 0 };
}

/** FakeAction is what the fake does with one scripted command or query. */
export type FakeAction =
  | {
      readonly kind: 'error';
      readonly code: ErrorCode;
      /** Apply the command before answering (an OUTCOME_UNKNOWN that did commit). */
      readonly applyFirst?: boolean;
      readonly retryAfterMs?: number;
      readonly leader?: LeaderInfo;
    }
  /** Terminate the connection without answering, before or after applying. */
  | { readonly kind: 'drop'; readonly applyFirst: boolean }
  /** Never answer (the client's attempt times out), before or after applying. */
  | { readonly kind: 'hold'; readonly applyFirst: boolean }
  /** Apply (or read) at once, answer after `ms`: past the client's timeout, the answer comes late. */
  | { readonly kind: 'delay'; readonly ms: number };

/** FakeRefusal is an error answered to every command and query while set. */
export interface FakeRefusal {
  readonly code: ErrorCode;
  readonly leader?: LeaderInfo;
  readonly retryAfterMs?: number;
}

/** FakeNodeOptions configure startFakeNode. */
export interface FakeNodeOptions {
  readonly id?: string;
  /** Share a store between fakes to make them one cluster. Default a fresh store. */
  readonly store?: FakeStore;
  /** The version the `hello` answer claims. Default PROTOCOL_VERSION. */
  readonly protocolVersion?: number;
  /** False answers `hello` with BAD_REQUEST, as a node predating it would. Default true. */
  readonly helloSupported?: boolean;
}

/** FakeNode is a running fake; see the module comment. */
export interface FakeNode {
  readonly id: string;
  /** `127.0.0.1:port`, as a client is given node addresses. */
  readonly address: string;
  readonly store: FakeStore;
  /** Every request received, in order, `hello` included. */
  readonly requests: ClientRequest[];
  /** Every answer sent, in order. */
  readonly answers: ClientResponse[];
  /** How many connections were accepted. */
  readonly connections: number;
  /** Attached to every answer when set. */
  leader: LeaderInfo | undefined;
  /** Answered to every command and query while set. */
  refuse: FakeRefusal | undefined;
  /** The most commands received and not yet answered at once (held or dropped ones stay counted). */
  maxPendingCommands: number;
  /** next scripts the fate of the next commands and queries, one action each. */
  next(...actions: FakeAction[]): void;
  /** requestsOf returns the requests received of one type. */
  requestsOf<Type extends ClientRequest['type']>(type: Type): Extract<ClientRequest, { type: Type }>[];
  /** waitFor resolves once `condition()` holds, checking after every request and answer. */
  waitFor(condition: () => boolean): Promise<void>;
  /** expireSession forgets a client's session, as the node does after its timeout or eviction. */
  expireSession(clientId: string): void;
  /** close stops the server and terminates its connections. */
  close(): Promise<void>;
}

/** startFakeNode starts a fake node on a free loopback port. */
export async function startFakeNode(options: FakeNodeOptions = {}): Promise<FakeNode> {
  const id = options.id ?? 'fake';
  const store = options.store ?? createFakeStore();
  const script: FakeAction[] = [];
  const waiters: { condition: () => boolean; resolve: () => void }[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/ws' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  const checkWaiters = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.condition()) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  /** apply decides a command as a session state machine would: a result, or SESSION_EXPIRED. */
  const apply = (command: KvCommand, session: SessionStamp): CommandResult | 'SESSION_EXPIRED' => {
    let answers = store.sessions.get(session.clientId);
    if (answers === undefined) {
      if (session.sequence !== 1) return 'SESSION_EXPIRED';
      answers = new Map();
      store.sessions.set(session.clientId, answers);
    }
    const known = answers.get(session.sequence);
    if (known !== undefined) return known;
    store.lastIndex++;
    let result: CommandResult = { index: store.lastIndex };
    if (command.op === 'put') store.kv.set(command.key, Uint8Array.from(command.value));
    else if (command.op === 'delete') store.kv.delete(command.key);
    else {
      const stored = store.kv.get(command.key);
      const current = stored === undefined ? null : new TextDecoder().decode(stored);
      const ok = current === command.expect;
      if (ok) store.kv.set(command.key, new TextEncoder().encode(command.value));
      result = { index: store.lastIndex, cas: { ok, current: ok ? command.value : current } };
    }
    answers.set(session.sequence, result);
    store.applications.push({ session, command, by: id });
    return result;
  };

  const status = (): NodeStatusSummary => ({
    id,
    role: fake.leader === undefined || fake.leader.id === id ? 'leader' : 'follower',
    term: 1,
    leader: fake.leader?.id ?? id,
    commitIndex: store.lastIndex,
    appliedIndex: store.lastIndex,
    lastLogIndex: store.lastIndex,
    snapshotIndex: 0,
    members: { voters: [id], learners: [], outgoing: [] },
    unresponsive: [],
  });

  const answer = (socket: WebSocket, response: ClientResponse, answersCommand = false): void => {
    const withLeader = fake.leader !== undefined && response.leader === undefined ? { ...response, leader: fake.leader } : response;
    socket.send(encodeResponse(withLeader));
    if (answersCommand) pendingCommands--;
    fake.answers.push(withLeader);
    checkWaiters();
  };

  const fail = (socket: WebSocket, request: ClientRequest, code: ErrorCode, extra: { leader?: LeaderInfo; retryAfterMs?: number } = {}): void => {
    const error = extra.retryAfterMs === undefined ? { code, message: `fake ${code}` } : { code, message: `fake ${code}`, retryAfterMs: extra.retryAfterMs };
    const { id } = request;
    answer(socket, extra.leader === undefined ? { id, ok: false, error } : { id, ok: false, error, leader: extra.leader }, request.type === 'command');
  };

  const handle = (socket: WebSocket, request: ClientRequest): void => {
    if (request.type === 'hello') {
      if (options.helloSupported === false) fail(socket, request, 'BAD_REQUEST');
      else answer(socket, { id: request.id, ok: true, result: { protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION, nodeId: id } });
      return;
    }
    if (request.type === 'status') {
      answer(socket, { id: request.id, ok: true, result: status() });
      return;
    }
    const execute = (): ClientResponse => {
      if (request.type === 'query') return { id: request.id, ok: true, result: { value: store.kv.get(request.query.key) ?? null, index: store.lastIndex } };
      const result = apply(request.command, request.session);
      if (result === 'SESSION_EXPIRED') return { id: request.id, ok: false, error: { code: 'SESSION_EXPIRED', message: 'no such session' } };
      return { id: request.id, ok: true, result };
    };
    if (request.type === 'command') {
      pendingCommands++;
      fake.maxPendingCommands = Math.max(fake.maxPendingCommands, pendingCommands);
    }
    if (fake.refuse !== undefined) {
      fail(socket, request, fake.refuse.code, fake.refuse);
      return;
    }
    const action = script.shift();
    const isCommand = request.type === 'command';
    if (action === undefined) {
      answer(socket, execute(), isCommand);
      return;
    }
    if (action.kind === 'delay') {
      const response = execute();
      setTimeout(() => socket.readyState === socket.OPEN && answer(socket, response, isCommand), action.ms);
      return;
    }
    if (action.applyFirst === true && request.type === 'command') apply(request.command, request.session);
    if (action.kind === 'error') fail(socket, request, action.code, action);
    else if (action.kind === 'drop') socket.terminate();
    // 'hold': no answer, ever.
  };

  let connections = 0;
  let pendingCommands = 0;
  server.on('connection', (socket) => {
    connections++;
    socket.on('error', () => {});
    socket.on('message', (data) => {
      const bytes = toBytes(data);
      const request = (bytes === undefined ? undefined : decodeValue(bytes)) as ClientRequest | undefined;
      if (request === undefined || typeof request !== 'object') {
        socket.close(1002, 'not a request');
        return;
      }
      fake.requests.push(request);
      handle(socket, request);
      checkWaiters();
    });
  });

  const fake: FakeNode = {
    id,
    address: `127.0.0.1:${port}`,
    store,
    requests: [],
    answers: [],
    get connections() {
      return connections;
    },
    leader: undefined,
    refuse: undefined,
    maxPendingCommands: 0,
    next: (...actions) => {
      script.push(...actions);
    },
    requestsOf: <Type extends ClientRequest['type']>(type: Type) =>
      fake.requests.filter((request): request is Extract<ClientRequest, { type: Type }> => request.type === type),
    waitFor: (condition) =>
      condition()
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ condition, resolve });
          }),
    expireSession: (clientId) => {
      store.sessions.delete(clientId);
    },
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/**
 * unusedAddress returns a loopback address nothing listens on (a port just bound and released),
 * for a node that is down: connecting to it is refused at once.
 */
export async function unusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
