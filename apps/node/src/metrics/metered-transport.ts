/**
 * A Transport decorator that reads the Raft traffic for metrics, changing nothing:
 * - heartbeat round trips by peer (a heartbeat's `round` comes back in its response);
 * - elections and pre-votes started (the first vote request of each term and kind);
 * - snapshot transfers: send (leader, first chunk to the final acknowledgement) and install
 *   (follower, first chunk received to the final answer sent, i.e. once stored), with sizes.
 */
import type { Message, NodeId, Transport } from '@raftkit/core';
import type { NodeMetrics } from './node-metrics.js';

/** Heartbeat rounds remembered per peer; older unanswered ones are forgotten. */
const ROUNDS_KEPT = 64;

/** meterTransport returns `transport` with its traffic reported to `metrics`. */
export function meterTransport(transport: Transport, metrics: NodeMetrics): Transport {
  const heartbeats = new Map<NodeId, Map<number, number>>();
  const sending = new Map<NodeId, number>();
  const installing = new Map<NodeId, number>();
  let lastCampaign = '';

  const sent = (to: NodeId, message: Message): void => {
    switch (message.type) {
      case 'heartbeat': {
        let rounds = heartbeats.get(to);
        if (rounds === undefined) heartbeats.set(to, (rounds = new Map()));
        rounds.set(message.round, performance.now());
        if (rounds.size > ROUNDS_KEPT) rounds.delete(rounds.keys().next().value!);
        return;
      }
      case 'requestVote': {
        const campaign = `${message.term}/${message.preVote}`;
        if (campaign !== lastCampaign) {
          lastCampaign = campaign;
          metrics.electionStarted(message.preVote);
        }
        return;
      }
      case 'installSnapshot':
        if (message.offset === 0 && !sending.has(to)) sending.set(to, performance.now());
        return;
      case 'installSnapshotResponse': {
        const started = installing.get(to);
        if (message.done && started !== undefined) {
          installing.delete(to);
          if (message.success) metrics.snapshot('install', (performance.now() - started) / 1000, message.offset);
        }
        return;
      }
      default:
        return;
    }
  };

  const received = (from: NodeId, message: Message): void => {
    switch (message.type) {
      case 'heartbeatResponse': {
        const sentAt = heartbeats.get(from)?.get(message.round);
        if (sentAt !== undefined) {
          heartbeats.get(from)!.delete(message.round);
          metrics.peerRoundTrip(from, (performance.now() - sentAt) / 1000);
        }
        return;
      }
      case 'installSnapshot':
        if (!installing.has(from)) installing.set(from, performance.now());
        return;
      case 'installSnapshotResponse': {
        const started = sending.get(from);
        if (message.done && started !== undefined) {
          sending.delete(from);
          if (message.success) metrics.snapshot('send', (performance.now() - started) / 1000, message.offset);
        }
        return;
      }
      default:
        return;
    }
  };

  return {
    start: (onMessage) =>
      transport.start((from, message) => {
        received(from, message);
        onMessage(from, message);
      }),
    send: (to, message) => {
      sent(to, message);
      transport.send(to, message);
    },
    close: () => transport.close(),
  };
}
