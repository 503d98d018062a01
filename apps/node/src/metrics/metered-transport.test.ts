import type { Message, NodeId, Transport } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { meterTransport } from './metered-transport.js';
import { createNodeMetrics } from './node-metrics.js';

function harness() {
  let deliver: (from: NodeId, message: Message) => void = () => {};
  const sent: Message[] = [];
  const inner: Transport = {
    start: async (onMessage) => void (deliver = onMessage),
    send: (_to, message) => void sent.push(message),
    close: async () => {},
  };
  const metrics = createNodeMetrics('n1', 10, { status: () => undefined, transport: () => undefined, peerTraffic: () => undefined, storageFailed: () => false });
  const transport = meterTransport(inner, metrics);
  const received: Message[] = [];
  return { metrics, transport, sent, received, deliver: (from: NodeId, message: Message) => deliver(from, message), start: () => transport.start((_from, message) => void received.push(message)) };
}

const valueOf = async (metrics: ReturnType<typeof createNodeMetrics>, name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values;

describe('meterTransport', () => {
  it('passes every message through unchanged and measures heartbeat round trips by peer', async () => {
    const { metrics, transport, sent, received, deliver, start } = harness();
    await start();
    const heartbeat: Message = { type: 'heartbeat', from: 'n1', to: 'n2', term: 2, commit: 0, round: 7 };
    transport.send('n2', heartbeat);
    const response: Message = { type: 'heartbeatResponse', from: 'n2', to: 'n1', term: 2, round: 7 };
    deliver('n2', response);
    expect([sent, received]).toEqual([[heartbeat], [response]]);
    expect(Object.keys(metrics.lastRoundTrips())).toEqual(['n2']);
    const counts = (await valueOf(metrics, 'raftkit_peer_rtt_seconds')).filter((value) => (value as { metricName?: string }).metricName === 'raftkit_peer_rtt_seconds_count');
    expect(counts.map((value) => [value.labels['peer'], value.value])).toEqual([['n2', 1]]);
    // An answer to a round never sent (or answered twice) measures nothing.
    deliver('n2', response);
    deliver('n3', { ...response, from: 'n3' } as Message);
    expect(Object.keys(metrics.lastRoundTrips())).toEqual(['n2']);
  });

  it('counts one pre-vote and one election per campaign, however many peers are asked', async () => {
    const { metrics, transport, start } = harness();
    await start();
    const ask = (to: NodeId, term: number, preVote: boolean): Message => ({ type: 'requestVote', from: 'n1', to, term, preVote, lastLogIndex: 0, lastLogTerm: 0 });
    for (const to of ['n2', 'n3']) transport.send(to, ask(to, 3, true));
    for (const to of ['n2', 'n3']) transport.send(to, ask(to, 3, false));
    for (const to of ['n2', 'n3']) transport.send(to, ask(to, 4, true));
    expect((await valueOf(metrics, 'raftkit_pre_votes_started_total'))[0]!.value).toBe(2);
    expect((await valueOf(metrics, 'raftkit_elections_started_total'))[0]!.value).toBe(1);
  });
});
