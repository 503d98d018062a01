/**
 * An in-memory network of transports for tests and examples: every node of an in-process
 * cluster gets a Transport from one hub. Delivery is asynchronous (as on a real network, a
 * message never arrives inside `send`), and links can be cut to make partitions.
 */
import type { Message, NodeId } from '../raft/types.js';
import type { Clock, Transport } from '../runtime/interfaces.js';

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
  transport(id: NodeId): Transport;
  /** partition drops every message between `a` and `b`, both ways, until heal(). */
  partition(a: NodeId, b: NodeId): void;
  /** isolate partitions `id` from every node that has a transport. */
  isolate(id: NodeId): void;
  /** heal restores every link. */
  heal(): void;
}

type Handler = (from: NodeId, message: Message) => void;

/** createMemoryNetwork returns an empty hub. */
export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const handlers = new Map<NodeId, Handler>();
  const known = new Set<NodeId>();
  const cut = new Set<string>();
  const link = (from: NodeId, to: NodeId) => `${from}\u0000${to}`;
  const { clock } = options;
  const delayMs = options.delayMs ?? 0;
  const schedule = (deliver: () => void): void => {
    if (clock !== undefined) clock.setTimeout(deliver, delayMs);
    else queueMicrotask(deliver);
  };

  const partition = (a: NodeId, b: NodeId): void => {
    cut.add(link(a, b));
    cut.add(link(b, a));
  };

  return {
    transport(id) {
      known.add(id);
      let handler: Handler | undefined;
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
          handler = undefined;
          closed = true;
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
