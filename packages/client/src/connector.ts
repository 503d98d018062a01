/**
 * Connector decides which node the client talks to and keeps at most one connection in use.
 *
 * - Target: a leader address some node announced (`leader.httpAddress`) comes first; otherwise
 *   the configured nodes in round-robin order. A hint that could not be reached is ignored for a
 *   while, so a leader the client cannot reach (but its peers can) does not cause a reconnect per
 *   request: the follower forwards, which is slower but works.
 * - Failure: a node that cannot be reached moves the round on to the next node; after a full
 *   round of failures the next attempt waits a jittered backoff.
 * - Switching (redirect, or a node that cannot serve): the old connection is retired, not
 *   closed, so the requests in flight on it still get their answers instead of being retried.
 *
 * `step()` makes one connection attempt (shared by all callers waiting at that moment); callers
 * loop over it against their own deadlines, so nothing reconnects once nobody waits.
 */
import { createBackoff, type Backoff, type RetryOptions } from './backoff.js';
import { openConnection, type Connection, type OpeningConnection } from './connection.js';
import { delay } from './delay.js';
import { PROTOCOL_VERSION, type HelloResult, type LeaderInfo } from './protocol.js';
import { toWebSocketUrl, type WebSocketConstructor } from './web-socket.js';

/** ConnectorOptions configure a Connector. */
export interface ConnectorOptions {
  /** Node addresses, as given to createClient (at least one). */
  readonly nodes: readonly string[];
  readonly WebSocket: WebSocketConstructor;
  readonly clientId: string;
  /** The API token sent in `hello`. */
  readonly token?: string;
  /** Bound on opening a socket plus the `hello` exchange. */
  readonly connectTimeoutMs: number;
  readonly retry: RetryOptions;
  readonly random: () => number;
  /** Aborted when the client closes. */
  readonly signal: AbortSignal;
}

/** How long a leader hint that could not be reached is ignored, in units of `retry.maxMs`. */
const UNREACHABLE_HINT_BACKOFFS = 5;

/** Connector owns the client's connection; see the module comment. */
export class Connector {
  private current: Connection | undefined;
  private attempt: Promise<Connection> | undefined;
  private opening: OpeningConnection | undefined;
  private nextIndex = 0;
  private failuresThisRound = 0;
  private preferred: string | undefined;
  private readonly unreachableHints = new Map<string, number>();
  /** Every open connection: the one in use, retired ones still answering, one saying hello. */
  private readonly live = new Set<Connection>();
  private readonly roundBackoff: Backoff;
  /** Why the last connection attempt failed, for ClusterUnavailableError's message. */
  lastFailure = 'no connection attempted yet';

  constructor(private readonly options: ConnectorOptions) {
    this.roundBackoff = createBackoff(options.retry, options.random);
    options.signal.addEventListener('abort', () => this.closeAll(), { once: true });
  }

  /** ready returns the connection in use if it is open. */
  ready(): Connection | undefined {
    return this.current?.isOpen === true ? this.current : undefined;
  }

  /** step makes one connection attempt, or joins the one under way; it rejects when it fails. */
  step(): Promise<Connection> {
    this.attempt ??= this.connect().finally(() => {
      this.attempt = undefined;
    });
    return this.attempt;
  }

  /**
   * follow learns from an answer's `leader`: if it names another node than the one that
   * answered, the next connection goes there. Returns true when the client switched.
   */
  follow(leader: LeaderInfo | undefined, from: Connection): boolean {
    const address = leader?.httpAddress;
    if (leader === undefined || address === undefined || from !== this.current) return false;
    if (from.nodeId !== undefined && from.nodeId === leader.id) return false;
    if (sameNode(address, from.address)) return false;
    const until = this.unreachableHints.get(address);
    if (until !== undefined && performance.now() < until) return false;
    this.preferred = address;
    this.leave(from);
    return true;
  }

  /** rotate moves on from a node that cannot serve (no leader, not a member, shutting down). */
  rotate(from: Connection): void {
    if (from !== this.current) return;
    // With nowhere else to go, reconnecting to the same node would only add churn.
    if (this.options.nodes.every((address) => sameNode(address, from.address))) return;
    this.nextIndex++;
    this.leave(from);
  }

  private leave(connection: Connection): void {
    this.current = undefined;
    connection.retire();
  }

  private async connect(): Promise<Connection> {
    const { nodes, signal } = this.options;
    if (this.failuresThisRound >= nodes.length) {
      this.failuresThisRound = 0;
      await delay(this.roundBackoff.next(), signal);
    }
    const hinted = this.preferred;
    const address = hinted ?? (nodes[this.nextIndex % nodes.length] as string);
    try {
      if (signal.aborted) throw new Error('the client closed');
      const connection = await this.open(address);
      this.roundBackoff.reset();
      this.failuresThisRound = 0;
      this.preferred = undefined;
      this.unreachableHints.delete(address);
      this.current = connection;
      return connection;
    } catch (error) {
      this.lastFailure = `${address}: ${(error as Error).message}`;
      if (hinted !== undefined) {
        this.preferred = undefined;
        this.unreachableHints.set(hinted, performance.now() + UNREACHABLE_HINT_BACKOFFS * this.options.retry.maxMs);
      } else {
        this.nextIndex++;
        this.failuresThisRound++;
      }
      throw error;
    }
  }

  private async open(address: string): Promise<Connection> {
    const { WebSocket, connectTimeoutMs, clientId, signal } = this.options;
    const startedAt = performance.now();
    const opening = openConnection(WebSocket, toWebSocketUrl(address), address, connectTimeoutMs);
    this.opening = opening;
    let connection: Connection;
    try {
      connection = await opening.opened;
    } finally {
      this.opening = undefined;
    }
    this.live.add(connection);
    connection.onClose = (closed) => {
      this.live.delete(closed);
      // A connection lost (not retired) sends the next attempt to the next node in the round.
      if (this.current === closed) {
        this.current = undefined;
        this.nextIndex++;
      }
    };
    if (signal.aborted) {
      connection.close('the client closed');
      throw new Error('the client closed');
    }
    const remaining = connectTimeoutMs - (performance.now() - startedAt);
    const token = this.options.token;
    const outcome = await connection.request({ type: 'hello', clientId, protocolVersion: PROTOCOL_VERSION, ...(token === undefined ? {} : { token }) }, remaining);
    if (outcome.kind !== 'answered') {
      connection.close('no answer to hello');
      throw new Error(outcome.kind === 'dropped' ? outcome.reason : `no answer to hello (${outcome.kind})`);
    }
    const { response } = outcome;
    // An error answer comes from a node that predates `hello`: it speaks version 1.
    if (response.ok) {
      const hello = response.result as Partial<HelloResult>;
      if (typeof hello.protocolVersion !== 'number' || Math.trunc(hello.protocolVersion) !== PROTOCOL_VERSION) {
        connection.close('protocol version refused');
        throw new Error(`the node speaks protocol version ${String(hello.protocolVersion)}, this client ${PROTOCOL_VERSION}`);
      }
      if (typeof hello.nodeId === 'string') connection.nodeId = hello.nodeId;
    }
    if (signal.aborted) {
      connection.close('the client closed');
      throw new Error('the client closed');
    }
    return connection;
  }

  private closeAll(): void {
    this.opening?.abandon();
    this.current = undefined;
    for (const connection of [...this.live]) connection.close('the client closed');
  }
}

function sameNode(a: string, b: string): boolean {
  try {
    return toWebSocketUrl(a) === toWebSocketUrl(b);
  } catch {
    return a === b;
  }
}
