import { createVirtualClock, type Message } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { SimRandom } from './random.js';
import { SimNetwork, type LinkFaults } from './sim-network.js';

const heartbeat = (from: string, to: string, term = 1): Message => ({ type: 'heartbeat', from, to, term, commit: 0, round: 0 });

/** Three started transports a, b, c; every delivery is logged as `time from>to`. */
async function setUp(links: LinkFaults, value = 0.5) {
  const clock = createVirtualClock();
  const sent: string[] = [];
  const network = new SimNetwork({ clock, random: new SimRandom(() => value), links, sent: (from, message) => sent.push(`${from}>${message.to}`) });
  const received: string[] = [];
  const transports = Object.fromEntries(
    await Promise.all(
      ['a', 'b', 'c'].map(async (id) => {
        const transport = network.transport(id);
        await transport.start((from, message) => received.push(`${clock.now()} ${from}>${message.to}`));
        return [id, transport] as const;
      }),
    ),
  );
  return { clock, network, transports, received, sent };
}

const calm: LinkFaults = { minDelayMs: 1, maxDelayMs: 9, loss: 0, duplicate: 0 };

describe('SimNetwork', () => {
  it('delivers each message after a delay drawn in [minDelayMs, maxDelayMs]', async () => {
    const { clock, transports, received } = await setUp(calm, 0.5);
    transports.a!.send('b', heartbeat('a', 'b'));
    clock.advance(4);
    expect(received).toEqual([]);
    clock.advance(1);
    // int(1, 9) with a draw of 0.5 is 5.
    expect(received).toEqual(['5 a>b']);
  });

  it('setLink changes one direction of one link: its delay, loss and duplication, and no other link', async () => {
    const { clock, network, transports, received } = await setUp(calm, 0.5);
    network.setLink('a', 'b', { minDelayMs: 40, maxDelayMs: 40, loss: 0, duplicate: 1 });
    network.setLink('a', 'c', { ...calm, loss: 1 });
    transports.a!.send('b', heartbeat('a', 'b'));
    transports.a!.send('c', heartbeat('a', 'c'));
    transports.b!.send('a', heartbeat('b', 'a'));
    transports.c!.send('b', heartbeat('c', 'b'));
    clock.advance(100);
    // a>b: 40 ms and twice; a>c: lost; b>a (the reverse direction) and c>b keep the defaults.
    expect(received).toEqual(['5 b>a', '5 c>b', '40 a>b', '40 a>b']);
  });

  it('loses every message on a link with loss 1, yet reports each as sent', async () => {
    const { clock, transports, received, sent } = await setUp({ ...calm, loss: 1 });
    transports.a!.send('b', heartbeat('a', 'b'));
    clock.advance(100);
    expect(received).toEqual([]);
    expect(sent).toEqual(['a>b']);
  });

  it('delivers a message twice on a link with duplicate 1', async () => {
    const { clock, transports, received } = await setUp({ ...calm, duplicate: 1 });
    transports.a!.send('b', heartbeat('a', 'b'));
    clock.advance(100);
    expect(received).toEqual(['5 a>b', '5 a>b']);
  });

  it('a partition drops messages both ways between groups but not within a group', async () => {
    const { clock, network, transports, received } = await setUp(calm);
    network.partition([['a', 'b'], ['c']]);
    transports.a!.send('c', heartbeat('a', 'c'));
    transports.c!.send('a', heartbeat('c', 'a'));
    transports.a!.send('b', heartbeat('a', 'b'));
    clock.advance(100);
    expect(received).toEqual(['5 a>b']);
    network.heal();
    transports.c!.send('a', heartbeat('c', 'a'));
    clock.advance(100);
    expect(received).toEqual(['5 a>b', '105 c>a']);
  });

  it('a one-way cut drops one direction only, and a cut made while a message is in flight loses it', async () => {
    const { clock, network, transports, received } = await setUp(calm);
    network.cutOneWay('a', 'b');
    transports.a!.send('b', heartbeat('a', 'b'));
    transports.b!.send('a', heartbeat('b', 'a'));
    clock.advance(100);
    expect(received).toEqual(['5 b>a']);
    network.heal();
    transports.a!.send('c', heartbeat('a', 'c'));
    network.cutOneWay('a', 'c');
    clock.advance(100);
    expect(received).toEqual(['5 b>a']);
  });

  it('drops messages to a node whose transport closed, and a closed transport sends nothing', async () => {
    const { clock, transports, received, sent } = await setUp(calm);
    await transports.b!.close();
    transports.a!.send('b', heartbeat('a', 'b'));
    transports.b!.send('a', heartbeat('b', 'a'));
    clock.advance(100);
    expect(received).toEqual([]);
    expect(sent).toEqual(['a>b']);
  });

  it('reorders: messages on one link arrive in the order of their random delays', async () => {
    const clock = createVirtualClock();
    const draws = [0.9, 0];
    const network = new SimNetwork({ clock, random: new SimRandom(() => draws.shift() ?? 0), links: calm });
    const received: number[] = [];
    const transport = network.transport('b');
    await transport.start((_from, message) => received.push(message.term));
    const sender = network.transport('a');
    sender.send('b', heartbeat('a', 'b', 1));
    sender.send('b', heartbeat('a', 'b', 2));
    clock.advance(100);
    expect(received).toEqual([2, 1]);
  });
});
