/**
 * An in-memory network of transports for tests and examples: every node of an in-process
 * cluster gets a Transport from one hub. Delivery is asynchronous (as on a real network, a
 * message never arrives inside `send`), and links can be cut to make partitions. The transports
 * have the PeerRequests capability (`request` / `onRequest`), so `createLeaderForwarding` runs on
 * them as on transport-ws.
 */
import type { Message, NodeId } from '../raft/types.js';
import type { Clock } from '../runtime/interfaces.js';
import type { PeerRequestFailure, PeerRequestHandler, RequestTransport } from '../runtime/peer-requests.js';

/** Options for `createMemoryNetwork`. */
export interface MemoryNetworkOptions {
  /**
   * Deliver through this clock's timers after `delayMs` (default 0). Without a clock, messages
   * are delivered in a microtask.
   */
  readonly clock?: Clock;
  readonly delayMs?: number;
}

/** MemoryNetwork is the hub: it hands out transports and controls the links between them. */
export interface MemoryNetwork {
  /**
   * transport returns a new Transport for `id`. Messages to `id` go to the most recently started
   * one, so a restarted node simply asks for a new transport.
   */
  transport(id: NodeId): RequestTransport;
  /** partition drops every message between `a` and `b`, both ways, until heal(). */
  partition(a: NodeId, b: NodeId): void;
  /** isolate partitions `id` from every node that has a transport. */
  isolate(id: NodeId): void;
  /** heal restores every link. */
  heal(): void;
}

type Handler = (from: NodeId, message: Message) => void;

/** MemoryRequestError is how a memory transport's `request` fails (see PeerRequestFailure). */
export class MemoryRequestError extends Error implements PeerRequestFailure {
  override readonly name = 'MemoryRequestError';
  constructor(
    readonly code: 'NOT_CONNECTED' | 'NO_HANDLER' | 'TIMEOUT' | 'REMOTE_ERROR' | 'CLOSED',
    readonly maybeHandled: boolean,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** createMemoryNetwork returns an empty hub. */
export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const handlers = new Map<NodeId, Handler>();
  const requestHandlers = new Map<NodeId, PeerRequestHandler>();
  const known = new Set<NodeId>();
  const cut = new Set<string>();
  const link = (from: NodeId, to: NodeId) => `${from}\u0000${to}`;
  const { clock } = options;
  const delayMs = options.delayMs ?? 0;
  const schedule = (deliver: () => void): void => {
    if (clock !== undefined) clock.setTimeout(deliver, delayMs);
    else queueMicrotask(deliver);
  };
  const timer = (callback: () => void, ms: number): (() => void) => {
    if (clock !== undefined) return clock.setTimeout(callback, ms);
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  };

  const partition = (a: NodeId, b: NodeId): void => {
    cut.add(link(a, b));
    cut.add(link(b, a));
  };

  return {
    transport(id) {
      known.add(id);
      let handler: Handler | undefined;
      let requestHandler: PeerRequestHandler | undefined;
      let closed = false;
      return {
        async start(onMessage) {
          handler = onMessage;
          handlers.set(id, onMessage);
        },
        send(to, message) {
          if (closed || cut.has(link(id, to))) return;
          // Messages are passed by reference: the core treats them as immutable.
          schedule(() => {
            // A link cut while the message was in flight loses it, as a real partition would.
            if (cut.has(link(id, to))) return;
            handlers.get(to)?.(id, message);
          });
        },
        async close() {
          if (handler !== undefined && handlers.get(id) === handler) handlers.delete(id);
          if (requestHandler !== undefined && requestHandlers.get(id) === requestHandler) requestHandlers.delete(id);
          handler = undefined;
          closed = true;
        },
        onRequest(answer) {
          requestHandler = answer;
          if (answer === undefined) requestHandlers.delete(id);
          else if (!closed) requestHandlers.set(id, answer);
        },
        request(to, payload, timeoutMs) {
          if (closed) return Promise.reject(new MemoryRequestError('CLOSED', false, 'the transport is closed'));
          if (cut.has(link(id, to)) || !handlers.has(to)) return Promise.reject(new MemoryRequestError('NOT_CONNECTED', false, `no link to ${to}`));
          return new Promise<unknown>((resolve, reject) => {
            let settled = false;
            const settle = (outcome: () => void) => {
              if (settled) return;
              settled = true;
              cancel();
              outcome();
            };
            const cancel = timer(() => settle(() => reject(new MemoryRequestError('TIMEOUT', true, `${to} did not answer within ${timeoutMs} ms`))), timeoutMs);
            // Copied both ways, as bytes on a wire would be: neither side shares objects with the other.
            const request = structuredClone(payload);
            schedule(() => {
              const answer = requestHandlers.get(to);
              if (cut.has(link(id, to))) return; // lost in flight: the caller times out, unsure
              if (answer === undefined) return settle(() => reject(new MemoryRequestError('NO_HANDLER', false, `${to} does not take requests`)));
              Promise.resolve()
                .then(() => answer(id, request))
                .then(
                  (result) => {
                    const copy = structuredClone(result);
                    schedule(() => {
                      if (!cut.has(link(to, id))) settle(() => resolve(copy));
                    });
                  },
                  (error: unknown) => schedule(() => settle(() => reject(new MemoryRequestError('REMOTE_ERROR', true, `${to}: ${error instanceof Error ? error.message : String(error)}`)))),
                );
            });
          });
        },
      };
    },
    partition,
    isolate(id) {
      for (const other of known) if (other !== id) partition(id, other);
    },
    heal() {
      cut.clear();
    },
  };
}
