import { describe, expect, it } from 'vitest';
import type { HeartbeatMessage, Message, NodeId } from '../raft/types.js';
import { createVirtualClock } from '../runtime/clock.js';
import { createMemoryNetwork } from './memory-transport.js';

const heartbeat = (from: NodeId, to: NodeId, commit = 0): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit, round: 1 });

async function flush(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

function inbox() {
  const received: string[] = [];
  return { received, onMessage: (from: NodeId, message: Message) => received.push(`${from}>${message.to}:${message.type}`) };
}

describe('createMemoryNetwork', () => {
  it('delivers asynchronously, never inside send, in send order', async () => {
    const network = createMemoryNetwork();
    const a = network.transport('a');
    const b = inbox();
    await network.transport('b').start(b.onMessage);
    a.send('b', heartbeat('a', 'b'));
    a.send('b', { type: 'timeoutNow', from: 'a', to: 'b', term: 1 });
    expect(b.received).toEqual([]);
    await flush();
    expect(b.received).toEqual(['a>b:heartbeat', 'a>b:timeoutNow']);
  });

  it('drops messages across a partition both ways, including those in flight, until heal()', async () => {
    const network = createMemoryNetwork();
    const a = inbox();
    const b = inbox();
    const ta = network.transport('a');
    const tb = network.transport('b');
    await ta.start(a.onMessage);
    await tb.start(b.onMessage);
    ta.send('b', heartbeat('a', 'b'));
    network.partition('a', 'b');
    tb.send('a', heartbeat('b', 'a'));
    await flush();
    expect([a.received, b.received]).toEqual([[], []]);
    network.heal();
    ta.send('b', heartbeat('a', 'b'));
    await flush();
    expect(b.received).toEqual(['a>b:heartbeat']);
  });

  it('isolate() cuts a node from every other node that has a transport', async () => {
    const network = createMemoryNetwork();
    const boxes = new Map(['a', 'b', 'c'].map((id) => [id, inbox()]));
    const transports = new Map(['a', 'b', 'c'].map((id) => [id, network.transport(id)]));
    for (const [id, transport] of transports) await transport.start(boxes.get(id)!.onMessage);
    network.isolate('a');
    transports.get('a')!.send('b', heartbeat('a', 'b'));
    transports.get('c')!.send('a', heartbeat('c', 'a'));
    transports.get('b')!.send('c', heartbeat('b', 'c'));
    await flush();
    expect([boxes.get('a')!.received, boxes.get('b')!.received, boxes.get('c')!.received]).toEqual([[], [], ['b>c:heartbeat']]);
  });

  it('delivers through an injected clock after delayMs, and to the newest transport of a restarted node', async () => {
    const clock = createVirtualClock();
    const network = createMemoryNetwork({ clock, delayMs: 5 });
    const first = inbox();
    const second = inbox();
    const old = network.transport('b');
    await old.start(first.onMessage);
    await old.close();
    await network.transport('b').start(second.onMessage);
    network.transport('a').send('b', heartbeat('a', 'b'));
    clock.advance(4);
    expect(second.received).toEqual([]);
    clock.advance(1);
    expect([first.received, second.received]).toEqual([[], ['a>b:heartbeat']]);
  });

  it('a closed transport neither sends nor receives', async () => {
    const network = createMemoryNetwork();
    const a = inbox();
    const ta = network.transport('a');
    await ta.start(a.onMessage);
    const tb = network.transport('b');
    await tb.start(inbox().onMessage);
    await tb.close();
    await ta.close();
    tb.send('a', heartbeat('b', 'a'));
    network.transport('c').send('a', heartbeat('c', 'a'));
    await flush();
    expect(a.received).toEqual([]);
  });
});
