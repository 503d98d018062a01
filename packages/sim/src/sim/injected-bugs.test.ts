/**
 * Proof that the simulator catches real bugs: each of the core's `injectedBugs` switches breaks
 * one Raft rule, and a search over the first seeds must find a run that fails with the invariant
 * that rule protects. The same seed without the bug must pass, so the failure is the bug's.
 */
import type { InjectedBugs } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { createKvStateMachine } from '../kv/kv-state-machine.js';
import { DEFAULT_FAULT_PROFILE, LEADER_CHURN_FAULT_PROFILE } from './faults.js';
import { runKvScenario, type KvScenarioOptions } from './kv-scenario.js';
import { createSimulation } from './simulation.js';
import { SimulationViolation, type InvariantName } from './violation.js';

interface Found {
  readonly seed: number;
  readonly violation: SimulationViolation;
  /** Seeds that failed first with another invariant (a bug can break several rules). */
  readonly others: readonly string[];
}

/** findViolation runs seeds 0, 1, ... until one fails with an expected invariant. */
async function findViolation(bug: keyof InjectedBugs, options: KvScenarioOptions, expected: readonly InvariantName[], maxSeeds: number): Promise<Found | undefined> {
  const others: string[] = [];
  for (let seed = 0; seed < maxSeeds; seed++) {
    try {
      await runKvScenario(seed, { ...options, config: { ...options.config, injectedBugs: { [bug]: true } } });
    } catch (error) {
      if (!(error instanceof SimulationViolation)) throw error;
      if (expected.includes(error.invariant)) {
        console.log(`${bug}: seed ${seed} fails with ${error.invariant} (${error.detail.slice(0, 160)})${others.length > 0 ? `; earlier seeds failed otherwise: ${others.join(', ')}` : ''}`);
        return { seed, violation: error, others };
      }
      others.push(`${seed} ${error.invariant}`);
    }
  }
  return undefined;
}

/** expectCaught asserts the bug was found and that the same seed passes without the bug. */
async function expectCaught(found: Found | undefined, options: KvScenarioOptions): Promise<void> {
  expect(found, 'no seed in the search caught the bug').toBeDefined();
  await expect(runKvScenario(found!.seed, options)).resolves.toMatchObject({ seed: found!.seed });
}

describe('the simulator catches the injected bugs', () => {
  it('ackBeforePersist: an append response leaves before the entries are durable (Durable Ack)', async () => {
    const found = await findViolation('ackBeforePersist', {}, ['Durable Ack'], 5);
    await expectCaught(found, {});
    expect(found!.violation.detail).toMatch(/^n\d acknowledged index \d+ in term \d+ to n\d, but only \d+ is on its disk$/);
  });

  it('ackBeforePersist, Durable Ack unchecked: the leader commits entries only memory holds (Commit Durability)', async () => {
    const options: KvScenarioOptions = { ignoreInvariants: ['Durable Ack'] };
    await expectCaught(await findViolation('ackBeforePersist', options, ['Commit Durability'], 5), options);
  });

  it('ackBeforePersist, both checks off: crashes lose acknowledged entries and a leader without them is elected', async () => {
    const options: KvScenarioOptions = { nodes: 3, faults: DEFAULT_FAULT_PROFILE, ignoreInvariants: ['Durable Ack', 'Commit Durability'] };
    const found = await findViolation('ackBeforePersist', options, ['Leader Completeness', 'State Machine Safety', 'Linearizability'], 400);
    await expectCaught(found, options);
  }, 120_000);

  it('voteTwiceInTerm: concurrent candidates without pre-vote both win one term (Election Safety)', async () => {
    const options: KvScenarioOptions = { config: { preVote: false, checkQuorum: false } };
    const found = await findViolation('voteTwiceInTerm', options, ['Election Safety'], 50);
    await expectCaught(found, options);
    expect(found!.violation.detail).toMatch(/^n\d and n\d were both elected leader in term \d+$/);
  });

  it('commitPreviousTermByCounting: under leader churn a Figure 8 commit could be lost (Commit Durability)', async () => {
    // Old-term entries are committed by counting only when they travel without the new leader's
    // own entry: one entry per message. Leader churn leaves tails of many terms (Figure 8).
    const options: KvScenarioOptions = { nodes: 3, config: { maxEntriesPerMessage: 1 }, faults: LEADER_CHURN_FAULT_PROFILE, liveness: false };
    const found = await findViolation('commitPreviousTermByCounting', options, ['Commit Durability', 'Leader Completeness', 'State Machine Safety'], 300);
    await expectCaught(found, options);
  }, 120_000);
});

describe('Figure 8, scripted', () => {
  /**
   * figure8 plays the paper's Figure 8 on three nodes: s1 (term 2) appends E at index 3 alone; a
   * lone leader of term 3 appends F at index 3 alone; s1, elected again, replicates E to the
   * voter and (only with the bug) commits it by counting before its own entry arrives; s1 dies;
   * the lone node, whose last term 3 beats the voter's 2, is elected.
   */
  async function figure8(bug: boolean): Promise<{ committedE: boolean }> {
    const sim = createSimulation({
      seed: 1,
      nodes: 3,
      stateMachine: createKvStateMachine,
      config: { preVote: false, checkQuorum: false, maxEntriesPerMessage: 1, injectedBugs: { commitPreviousTermByCounting: bug } },
      // Commit Durability would flag the unsafe commit at once; show the bad election itself.
      ignoreInvariants: ['Commit Durability'],
    });
    await sim.start();
    expect(await sim.runUntil(() => sim.stableLeader() !== undefined, 2000)).toBe(true);
    const s1 = sim.stableLeader()!;
    expect(sim.status(s1).term).toBe(2);
    sim.isolate(s1);
    void sim.invoke('c1', s1, { type: 'put', key: 'x', value: 'E' });
    await sim.run({ virtualMs: 30 });
    expect(sim.node(s1).inspect().entry(3)?.term).toBe(2);

    // Whoever of the other two wins next is cut off the moment it is elected: F stays alone.
    const stopIsolating = sim.onRoleChanged((id, event) => {
      if (event.role === 'leader' && id !== s1) sim.isolate(id);
    });
    expect(await sim.runUntil(() => sim.ids.some((id) => id !== s1 && sim.status(id).role === 'leader'), 2000)).toBe(true);
    stopIsolating();
    const lone = sim.ids.find((id) => id !== s1 && sim.status(id).role === 'leader')!;
    const voter = sim.ids.find((id) => id !== s1 && id !== lone)!;
    expect(sim.node(lone).inspect().entry(3)?.term).toBe(sim.status(lone).term);

    // s1 and the voter meet again; the voter durably takes E, then s1's next entry cannot reach it.
    sim.heal();
    sim.isolate(lone);
    expect(await sim.runUntil(() => sim.disk(voter).term(3) === 2, 3000)).toBe(true);
    sim.cutOneWay(s1, voter);
    const committedE = await sim.runUntil(() => sim.status(s1).commit >= 3, 100);
    sim.crash(s1);
    sim.heal();
    await sim.run({ virtualMs: 2000 });
    expect(sim.status(lone).role).toBe('leader');
    return { committedE };
  }

  it('with commitPreviousTermByCounting the lone node is elected without the committed E (Leader Completeness)', async () => {
    const error = await figure8(true).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SimulationViolation);
    expect(error).toMatchObject({ seed: 1, invariant: 'Leader Completeness' });
    expect((error as SimulationViolation).detail).toMatch(/^n\d became leader of term \d+ without the committed entry 3@2 \(committed on n\d\); it holds 3@3$/);
  });

  it('without the bug E is never committed, so overwriting it is safe and nothing is violated', async () => {
    await expect(figure8(false)).resolves.toEqual({ committedE: false });
  });
});
