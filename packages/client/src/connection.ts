/**
 * Connection is one open WebSocket to one node: it numbers requests, matches answers to them by
 * `id` (answers may come in any order), and tells each attempt exactly what is known about it:
 *
 * - `not-sent`: the socket was not open, so the node certainly never saw the request;
 * - `dropped`: sent, then the connection closed with no answer: the node may have acted on it;
 * - `timed-out`: sent, no answer within the attempt's timeout: the node may have acted on it;
 * - `answered`: the node's answer.
 *
 * A request that times out while nothing at all arrived since it was sent closes the connection:
 * a node that answers nobody is gone (or half-open), and its other requests would time out too.
 */
import { decodeResponse, encodeRequest, toBytes } from './frame-codec.js';
import type { ClientRequest, ClientResponse } from './protocol.js';
import { OPEN, type WebSocketConstructor, type WebSocketLike } from './web-socket.js';

/** AttemptOutcome is what one attempt of a request came to. */
export type AttemptOutcome =
  | { readonly kind: 'answered'; readonly response: ClientResponse }
  | { readonly kind: 'not-sent' }
  | { readonly kind: 'dropped'; readonly reason: string }
  | { readonly kind: 'timed-out' };

/** RequestBody is a request without its `id`, which the connection assigns. */
export type RequestBody = ClientRequest extends infer Request ? (Request extends ClientRequest ? Omit<Request, 'id'> : never) : never;

interface Pending {
  readonly sentAt: number;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly resolve: (outcome: AttemptOutcome) => void;
}

/** WebSocket close code for "protocol error" (RFC 6455 §7.4.1). */
const PROTOCOL_ERROR = 1002;

/** Connection wraps one open WebSocket; create it with `openConnection`. */
export class Connection {
  /** The node's id, once its `hello` answer said it. */
  nodeId: string | undefined;
  /** Called once, when the socket closed (for any reason). */
  onClose: ((connection: Connection) => void) | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastReceivedAt = performance.now();
  private retiring = false;
  private closedReason: string | undefined;

  constructor(
    private readonly socket: WebSocketLike,
    /** The address this connection was opened to, as configured or hinted. */
    readonly address: string,
  ) {
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => {};
    socket.onclose = (event) => this.closed(`closed by the node (code ${event.code}${describe(event.reason)})`);
  }

  /** isOpen is true while requests can be sent (and the connection is not being retired). */
  get isOpen(): boolean {
    return this.closedReason === undefined && !this.retiring && this.socket.readyState === OPEN;
  }

  /** pendingCount is how many requests wait for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * request sends `body` with a fresh id and resolves with what came of it; it never rejects.
   * Every attempt gets its own id, so a late answer to an earlier attempt is ignored.
   */
  request(body: RequestBody, timeoutMs: number): Promise<AttemptOutcome> {
    if (this.closedReason !== undefined || this.socket.readyState !== OPEN) return Promise.resolve({ kind: 'not-sent' });
    const id = this.nextId++;
    const frame = encodeRequest({ ...body, id } as ClientRequest);
    try {
      this.socket.send(frame);
    } catch {
      return Promise.resolve({ kind: 'not-sent' });
    }
    return new Promise((resolve) => {
      const sentAt = performance.now();
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ kind: 'timed-out' });
        if (this.lastReceivedAt < sentAt) this.close('no frame arrived within the request timeout');
        else this.closeIfRetired();
      }, Math.max(0, timeoutMs));
      this.pending.set(id, { sentAt, timer, resolve });
    });
  }

  /**
   * retire stops new requests on this connection (the client moves to another node) and closes
   * it once its pending requests were answered, so no request in flight is turned into a retry.
   */
  retire(): void {
    this.retiring = true;
    this.closeIfRetired();
  }

  /** close closes the socket now; pending requests resolve as `dropped`. */
  close(reason = 'closed by the client', code = 1000): void {
    if (this.closedReason !== undefined) return;
    try {
      this.socket.close(code, reason.slice(0, 120));
    } catch {
      // Already closing; the onclose handler or the line below settles everything.
    }
    this.closed(reason);
  }

  private closeIfRetired(): void {
    if (this.retiring && this.pending.size === 0) this.close('moved to another node');
  }

  private receive(data: unknown): void {
    this.lastReceivedAt = performance.now();
    const bytes = toBytes(data);
    const decoded = bytes === undefined ? ({ ok: false, reason: 'a text frame' } as const) : decodeResponse(bytes);
    if (!decoded.ok) {
      this.close(`malformed answer: ${decoded.reason}`, PROTOCOL_ERROR);
      return;
    }
    const pending = this.pending.get(decoded.response.id);
    // An unknown id is the late answer to an attempt that already timed out: the caller retried.
    if (pending === undefined) return;
    this.pending.delete(decoded.response.id);
    clearTimeout(pending.timer);
    pending.resolve({ kind: 'answered', response: decoded.response });
    this.closeIfRetired();
  }

  private closed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.socket.onmessage = null;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.resolve({ kind: 'dropped', reason });
    }
    this.pending.clear();
    this.onClose?.(this);
  }
}

function describe(reason: unknown): string {
  const text = typeof reason === 'string' ? reason : reason instanceof Uint8Array ? new TextDecoder().decode(reason) : '';
  return text === '' ? '' : `: ${text}`;
}

/** OpeningConnection is a connection being opened, which can still be abandoned. */
export interface OpeningConnection {
  /** Resolves with the open connection, or rejects with why it could not open. */
  readonly opened: Promise<Connection>;
  /** abandon closes the socket; `opened` rejects if it had not resolved. */
  abandon(): void;
}

/**
 * openConnection opens a WebSocket to `url` and resolves once it is open; it rejects when the
 * node refuses, the socket closes first, or `timeoutMs` passes.
 */
export function openConnection(WebSocket: WebSocketConstructor, url: string, address: string, timeoutMs: number): OpeningConnection {
  let socket: WebSocketLike | undefined;
  let settle: ((error: Error | undefined) => void) | undefined;
  const opened = new Promise<Connection>((resolve, reject) => {
    let lastError = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error: Error | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (socket === undefined) {
        reject(error ?? new Error('no socket'));
        return;
      }
      socket.onopen = null;
      if (error === undefined) {
        resolve(new Connection(socket, address));
        return;
      }
      socket.onclose = null;
      socket.onerror = () => {};
      try {
        socket.close();
      } catch {
        // A socket still connecting may refuse close(); it is dropped either way.
      }
      reject(error);
    };
    settle = finish;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => finish(undefined);
    socket.onerror = (event) => {
      const message = (event as { message?: unknown } | null)?.message;
      if (typeof message === 'string') lastError = message;
    };
    socket.onclose = (event) => finish(new Error(lastError !== '' ? lastError : `closed before it opened (code ${event.code}${describe(event.reason)})`));
  });
  return { opened, abandon: () => settle?.(new Error('abandoned')) };
}
