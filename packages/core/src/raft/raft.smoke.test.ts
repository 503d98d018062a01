import { describe, expect, it } from 'vitest';
import { Network, bytes } from './test-support/network.js';

describe('smoke', () => {
  it('three nodes elect a leader and replicate', () => {
    const net = new Network(['a', 'b', 'c']);
    net.elect('a');
    expect(net.raft('a').status().role).toBe('leader');
    net.propose('a', 'x');
    for (const id of ['a', 'b', 'c']) {
      const applied = net.node(id).applied.map((e) => new TextDecoder().decode(e.data));
      expect(applied).toContain('x');
    }
    expect(net.raft('b').status().commit).toBe(3);
    void bytes;
  });
  it('elects by ticking', () => {
    const net = new Network(['a', 'b', 'c']);
    for (let i = 0; i < 100 && net.leader() === undefined; i++) {
      net.tick(1);
      net.stabilize();
    }
    expect(net.leader()).toBeDefined();
  });
});
