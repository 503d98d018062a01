import type { ApplyMeta, StateMachine } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../linearizability/history.js';
import type { Model } from '../linearizability/model.js';
import { DEFAULT_FAULT_PROFILE } from './faults.js';
import { runKvScenario } from './kv-scenario.js';
import type { KvCommand, KvResult } from '../kv/kv-model.js';
import type { KvQuery } from '../kv/kv-state-machine.js';
import { runScenario } from './scenario.js';
import type { Simulation } from './simulation.js';
import { SimulationViolation } from './violation.js';

type CounterCommand = { readonly type: 'add'; readonly amount: number } | { readonly type: 'read' };

/** A plugin author's state machine: a counter. `skew` makes reads answer wrongly (a bug). */
class Counter implements StateMachine<CounterCommand, null, number> {
  private total = 0;
  constructor(private readonly skew = 0) {}
  apply(command: CounterCommand, _meta: ApplyMeta): number {
    if (command.type === 'add') this.total += command.amount;
    return command.type === 'read' ? this.total + this.skew : this.total;
  }
  query(): number {
    return this.total;
  }
  snapshot(): AsyncIterable<Uint8Array> {
    // Captured now, not when read (eager-snapshot.test.ts shows why).
    const bytes = new TextEncoder().encode(String(this.total));
    return (async function* () {
      yield bytes;
    })();
  }
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const chunk of chunks) this.total = Number(new TextDecoder().decode(chunk));
  }
}

/** The counter's model: every command answers the total after it. */
const counterModel: Model<number, CounterCommand, number> = {
  init: () => 0,
  step(state, input, output) {
    const next = input.type === 'add' ? state + input.amount : state;
    return { ok: output === UNKNOWN || output === next, state: next };
  },
  isReadOnly: (input) => input.type === 'read',
};

const counterScenario = (seed: number, skew: number) =>
  runScenario({
    seed,
    stateMachine: () => new Counter(skew),
    model: counterModel,
    generate: (random): CounterCommand => (random.chance(0.5) ? { type: 'add', amount: random.int(1, 9) } : { type: 'read' }),
    chaosMs: 1000,
  });

describe('runKvScenario', () => {
  it('runs a faulty cluster through crashes and partitions, then liveness, and finds the KV history linearizable', async () => {
    const summary = await runKvScenario(3, { faults: DEFAULT_FAULT_PROFILE });
    expect(summary.seed).toBe(3);
    expect(summary.faultProfile).toBe('default');
    expect(summary.faults!.crashes).toBeGreaterThan(0);
    expect(summary.faults!.restarts + summary.faults!.partitions + summary.faults!.heals).toBeGreaterThan(0);
    expect(summary.operations.ok).toBeGreaterThan(10);
    expect(summary.linearizabilitySteps).toBeGreaterThan(0);
    expect(summary.liveness!.proposalMs).toHaveLength(5);
    expect(summary.liveness!.electedAfterMs).toBeLessThanOrEqual(2000);
    // Chaos (2000 ms), then liveness, then 300 ms for the last client calls.
    expect(summary.virtualMs).toBeGreaterThan(2300);
    // Every answered operation but the linearizable reads (RaftNode.read) is a log entry.
    expect(summary.reads).toBeGreaterThan(0);
    expect(summary.committedIndex).toBeGreaterThanOrEqual(summary.operations.ok - summary.reads);
    expect(summary.traceHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('with snapshots every 8 entries, nodes compact their logs and catch up by InstallSnapshot under faults', async () => {
    const snapshotIndexes: number[] = [];
    for (let seed = 0; seed < 5; seed++) {
      let simulation: Simulation<KvCommand, KvQuery, KvResult> | undefined;
      await runKvScenario(seed, { nodeOptions: { snapshot: { entries: 8, trailing: 2 } }, onStart: (started) => (simulation = started) });
      for (const id of simulation!.ids) snapshotIndexes.push(simulation!.disk(id).snapshotIndex());
    }
    // Most disks hold a snapshot at the end, and every snapshot is at least 8 entries in.
    expect(snapshotIndexes.filter((index) => index > 0).length).toBeGreaterThan(snapshotIndexes.length / 2);
    for (const index of snapshotIndexes) expect(index === 0 || index >= 8).toBe(true);
  });

  it('lets the caller fix the cluster size and the protocol options over the seed variant', async () => {
    const summary = await runKvScenario(4, { nodes: 5, config: { preVote: false, checkQuorum: true }, chaosMs: 500, faults: false });
    expect(summary.nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(summary.config).toMatchObject({ preVote: false, checkQuorum: true });
    expect(summary.faultProfile).toBe('none');
    expect(summary.faults).toBeUndefined();
    expect(summary.operations.unknown).toBe(0);
  });
});

describe('runScenario with a plugin author’s own StateMachine and Model', () => {
  it('finds a correct counter linearizable under faults', async () => {
    const summary = await counterScenario(8, 0);
    expect(summary.operations.ok).toBeGreaterThan(5);
  });

  it('catches a counter whose reads answer one too many as a Linearizability violation with the seed', async () => {
    const error = await counterScenario(8, 1).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SimulationViolation);
    expect(error).toMatchObject({ seed: 8, invariant: 'Linearizability' });
    expect((error as Error).message).toMatch(/^seed 8: Linearizability violated at \d+ ms: Not linearizable/);
  });
});
