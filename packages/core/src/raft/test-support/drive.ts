/**
 * Small drivers the protocol tests share: carry out a lone core's effects as a fast disk would,
 * pick the messages out of effects, and run a Network for a number of ticks.
 */
import type { Raft } from '../raft.js';
import type { Effect, Message, NodeId } from '../types.js';
import type { Network } from './network.js';

/** drain takes every effect, acknowledging persists and applies at once as a fast disk would. */
export function drain(raft: Raft): Effect[] {
  const all: Effect[] = [];
  while (raft.hasEffects()) {
    const effects = raft.takeEffects();
    all.push(...effects);
    for (const effect of effects) {
      if (effect.type === 'persist') raft.persisted(effect.seq);
      if (effect.type === 'apply') raft.applied(effect.entries.at(-1)!.index);
    }
  }
  return all;
}

/** sent lists the messages among `effects`, in order. */
export function sent(effects: readonly Effect[]): Message[] {
  return effects.flatMap((effect) => (effect.type === 'send' ? [effect.message] : []));
}

/** run ticks the given nodes (all by default) `ticks` times, delivering until quiet after each. */
export function run(net: Network, ticks: number, ids?: readonly NodeId[]): void {
  for (let i = 0; i < ticks; i++) {
    net.tick(1, ids);
    net.stabilize();
  }
}

/** effectsDuring returns what node `id` produced while `action` ran (even if it restarted it). */
export function effectsDuring(net: Network, id: NodeId, action: () => void): Effect[] {
  const node = net.node(id);
  const before = node.effects.length;
  action();
  if (net.node(id) === node) net.process(id);
  return node.effects.slice(before);
}
