/**
 * SimNetwork: the simulator's virtual network. Every link (a direction between two nodes) has its
 * own delay range, loss and duplication; each copy of a message gets its own random delay, so
 * messages on a link are reordered. Links can be cut one way or both ways (partitions). A message
 * in flight when its link is cut, or whose receiver is down when it arrives, is lost.
 *
 * Delivery runs on the simulation's virtual clock: nothing is real time, so a seed replays.
 */
import type { Clock, Message, NodeId, Transport } from '@raftkit/core';
import { describeMessage } from './describe.js';
import type { SimRandom } from './random.js';

/** LinkFaults: how one direction of a link behaves. Delays are whole virtual ms. */
export interface LinkFaults {
  /** Each copy arrives after a delay in [minDelayMs, maxDelayMs]. */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Probability that a message is lost. */
  readonly loss: number;
  /** Probability that a message is delivered twice. */
  readonly duplicate: number;
}

/** DEFAULT_LINK_FAULTS: 1–10 ms, nothing lost or duplicated. */
export const DEFAULT_LINK_FAULTS: LinkFaults = { minDelayMs: 1, maxDelayMs: 10, loss: 0, duplicate: 0 };

/** SimNetworkOptions wires the network into a simulation. */
export interface SimNetworkOptions {
  readonly clock: Clock;
  readonly random: SimRandom;
  readonly links?: LinkFaults;
  /** trace receives one line per message sent, delivered or lost. */
  readonly trace?: (text: string) => void;
  /**
   * sent is called for every message as it leaves its sender, before any loss: the moment to
   * check that it promises nothing the sender has not made durable.
   */
  readonly sent?: (from: NodeId, message: Message) => void;
}

type Handler = (from: NodeId, message: Message) => void;

const link = (from: NodeId, to: NodeId): string => `${from}>${to}`;

/** SimNetwork hands out one Transport per node incarnation and controls every link. */
export class SimNetwork {
  private readonly clock: Clock;
  private readonly random: SimRandom;
  private readonly trace: ((text: string) => void) | undefined;
  private readonly sent: ((from: NodeId, message: Message) => void) | undefined;
  private readonly handlers = new Map<NodeId, Handler>();
  private readonly cut = new Set<string>();
  private readonly linkFaults = new Map<string, LinkFaults>();
  private readonly typeDelays = new Map<Message['type'], number>();
  private defaults: LinkFaults;
  private messages = 0;
  private readonly sentByType = new Map<Message['type'], number>();

  constructor(options: SimNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.trace = options.trace;
    this.sent = options.sent;
    this.defaults = options.links ?? DEFAULT_LINK_FAULTS;
  }

  /**
   * transport returns the Transport of one incarnation of `id`. Closing it (or a crash) detaches
   * it: it sends nothing more and receives nothing more; messages already in flight still arrive.
   */
  transport(id: NodeId): Transport {
    let handler: Handler | undefined;
    let closed = false;
    const detach = (): void => {
      closed = true;
      if (handler !== undefined && this.handlers.get(id) === handler) this.handlers.delete(id);
      handler = undefined;
    };
    return {
      start: async (onMessage) => {
        if (closed) return;
        handler = onMessage;
        this.handlers.set(id, onMessage);
      },
      send: (to, message) => {
        if (closed) return;
        this.send(id, to, message);
      },
      close: async () => detach(),
    };
  }

  /** disconnect detaches `id`'s current transport at once, as a crash does. */
  disconnect(id: NodeId): void {
    this.handlers.delete(id);
  }

  /** isCut tells whether messages from `from` to `to` are being dropped. */
  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(link(from, to));
  }

  /** cutOneWay drops every message from `from` to `to` (not the other way) until healed. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.cut.add(link(from, to));
  }

  /** partition cuts every link between nodes of different groups, both ways. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (let a = 0; a < groups.length; a++) {
      for (let b = 0; b < groups.length; b++) {
        if (a === b) continue;
        for (const from of groups[a]!) for (const to of groups[b]!) this.cutOneWay(from, to);
      }
    }
  }

  /** heal restores every cut link (link faults stay). */
  heal(): void {
    this.cut.clear();
  }

  /** setLink sets the faults of the link from `from` to `to`. */
  setLink(from: NodeId, to: NodeId, faults: LinkFaults): void {
    this.linkFaults.set(link(from, to), faults);
  }

  /** setDefaultLinks sets the faults of every link and forgets per-link settings. */
  setDefaultLinks(faults: LinkFaults): void {
    this.defaults = faults;
    this.linkFaults.clear();
  }

  /**
   * delayType holds every message of `type` sent from now on `extraMs` longer than its link would
   * (0 ends it). Messages already in flight keep their delivery time. It draws no randomness, so
   * the rest of a seeded run is unchanged.
   */
  delayType(type: Message['type'], extraMs: number): void {
    if (extraMs > 0) this.typeDelays.set(type, extraMs);
    else this.typeDelays.delete(type);
  }

  /** sentCount is how many messages of `type` were sent (delivered or not). */
  sentCount(type: Message['type']): number {
    return this.sentByType.get(type) ?? 0;
  }

  private send(from: NodeId, to: NodeId, message: Message): void {
    const number = ++this.messages;
    this.sentByType.set(message.type, (this.sentByType.get(message.type) ?? 0) + 1);
    this.sent?.(from, message);
    const text = this.trace === undefined ? '' : `m${number} ${from}>${to} ${describeMessage(message)}`;
    if (this.isCut(from, to)) {
      this.trace?.(`${text} cut`);
      return;
    }
    const faults = this.linkFaults.get(link(from, to)) ?? this.defaults;
    if (this.random.chance(faults.loss)) {
      this.trace?.(`${text} lost`);
      return;
    }
    const copies = this.random.chance(faults.duplicate) ? 2 : 1;
    const delays: number[] = [];
    for (let copy = 0; copy < copies; copy++) {
      const delay = this.random.int(faults.minDelayMs, faults.maxDelayMs) + (this.typeDelays.get(message.type) ?? 0);
      delays.push(delay);
      this.clock.setTimeout(() => this.deliver(number, from, to, message), delay);
    }
    this.trace?.(`${text} +${delays.join('ms,+')}ms`);
  }

  private deliver(number: number, from: NodeId, to: NodeId, message: Message): void {
    // A partition made while the message was in flight loses it, as a real one would.
    const handler = this.isCut(from, to) ? undefined : this.handlers.get(to);
    if (handler === undefined) {
      this.trace?.(`m${number} dropped`);
      return;
    }
    this.trace?.(`m${number} delivered`);
    handler(from, message);
  }
}
