import { describe, expect, it } from 'vitest';
import type { KvCommand } from '../kv/kv-model.js';
import { createKvStateMachine, readKv, type KvStateMachine } from '../kv/kv-state-machine.js';
import { isUnknown } from '../linearizability/history.js';
import { checkLiveness } from './liveness.js';
import type { InvokeOutcome } from './history-recorder.js';
import { createSimulation, type Simulation, type SimulationOptions } from './simulation.js';
import { SimulationViolation } from './violation.js';

type KvSimulation = Simulation<KvCommand, unknown, unknown>;

async function startedCluster(seed: number, options: Partial<SimulationOptions<KvCommand, unknown, unknown>> = {}): Promise<{ sim: KvSimulation; leader: string }> {
  const sim = createSimulation<KvCommand, unknown, unknown>({ seed, nodes: 3, stateMachine: createKvStateMachine, ...options });
  await sim.start();
  expect(await sim.runUntil(() => sim.stableLeader() !== undefined, 2000)).toBe(true);
  return { sim, leader: sim.stableLeader()! };
}

/** invokeAndWait runs the simulation until the invoke settles (at most `ms` virtual ms). */
async function invokeAndWait(sim: KvSimulation, clientId: string, node: string, command: KvCommand, ms = 1000): Promise<InvokeOutcome<unknown> | undefined> {
  let outcome: InvokeOutcome<unknown> | undefined;
  void sim.invoke(clientId, node, command).then((settled) => {
    outcome = settled;
  });
  await sim.runUntil(() => outcome !== undefined, ms);
  return outcome;
}

const value = (sim: KvSimulation, id: string, key: string) => readKv(sim.machine(id) as KvStateMachine, key);

describe('Simulation', () => {
  it('elects a leader all nodes follow, commits a put through it, applies it everywhere and records it with its result', async () => {
    const { sim, leader } = await startedCluster(7);
    const put: KvCommand = { type: 'put', key: 'x', value: '1' };
    const callTime = sim.now();
    expect(await invokeAndWait(sim, 'c1', leader, put)).toEqual({ status: 'ok', result: 'ok' });
    expect(sim.history).toEqual([{ clientId: 'c1', input: put, output: 'ok', callTime, returnTime: sim.now() }]);
    expect(sim.now()).toBeGreaterThan(callTime);
    await sim.run({ virtualMs: 100 });
    expect(sim.ids.map((id) => value(sim, id, 'x'))).toEqual(['1', '1', '1']);
  });

  it('a follower refuses with NotLeaderError naming the leader: a failed outcome, left out of the history', async () => {
    const { sim, leader } = await startedCluster(7);
    const follower = sim.ids.find((id) => id !== leader)!;
    const outcome = await invokeAndWait(sim, 'c1', follower, { type: 'put', key: 'x', value: '1' });
    expect(outcome).toMatchObject({ status: 'failed', leaderHint: leader, error: { code: 'NOT_LEADER' } });
    expect(sim.history).toEqual([]);
  });

  it('a proposal pending on a leader that crashes has an unknown outcome; a down node refuses with NodeStoppedError', async () => {
    const { sim, leader } = await startedCluster(11);
    let outcome: InvokeOutcome<unknown> | undefined;
    void sim.invoke('c1', leader, { type: 'put', key: 'x', value: '1' }).then((settled) => {
      outcome = settled;
    });
    await sim.run({ steps: 1 });
    sim.crash(leader);
    await sim.run({ steps: 1 });
    expect(outcome).toMatchObject({ status: 'unknown', error: { code: 'OUTCOME_UNKNOWN' } });
    expect(sim.history).toHaveLength(1);
    expect(isUnknown(sim.history[0]!.output)).toBe(true);
    expect(await invokeAndWait(sim, 'c2', leader, { type: 'get', key: 'x' })).toMatchObject({ status: 'failed', error: { code: 'STOPPED' } });
    expect(sim.isUp(leader)).toBe(false);
  });

  it('a restarted node comes back with exactly its durable log and catches up with writes made while it was down', async () => {
    const { sim, leader } = await startedCluster(3);
    const follower = sim.ids.find((id) => id !== leader)!;
    sim.crash(follower);
    const durableLast = sim.disk(follower).lastIndex();
    expect(await invokeAndWait(sim, 'c1', leader, { type: 'put', key: 'k', value: 'v' })).toEqual({ status: 'ok', result: 'ok' });
    expect(sim.disk(follower).lastIndex()).toBe(durableLast);
    await sim.restart(follower);
    expect(sim.status(follower).lastIndex).toBe(durableLast);
    expect(await sim.runUntil(() => value(sim, follower, 'k') === 'v', 1000)).toBe(true);
    expect(sim.disk(follower).lastIndex()).toBe(sim.disk(leader).lastIndex());
  });

  it('a leader partitioned into the minority commits nothing; the majority elects a leader of a higher term and commits', async () => {
    const { sim, leader } = await startedCluster(5, { config: { checkQuorum: true } });
    const term = sim.status(leader).term;
    const others = sim.ids.filter((id) => id !== leader);
    sim.partition([leader], others);
    const stranded = await invokeAndWait(sim, 'c1', leader, { type: 'put', key: 'x', value: 'lost' }, 500);
    expect(stranded?.status).toBe('unknown');
    expect(await sim.runUntil(() => others.some((id) => sim.status(id).role === 'leader'), 2000)).toBe(true);
    const next = others.find((id) => sim.status(id).role === 'leader')!;
    expect(sim.status(next).term).toBeGreaterThan(term);
    expect(await invokeAndWait(sim, 'c2', next, { type: 'put', key: 'x', value: 'kept' })).toEqual({ status: 'ok', result: 'ok' });
    sim.heal();
    expect(await sim.runUntil(() => value(sim, leader, 'x') === 'kept', 1000)).toBe(true);
  });

  it('throws a SimulationViolation that starts with the seed and carries the last events, on that step and every later one', async () => {
    const sim = createSimulation({ seed: 42, stateMachine: createKvStateMachine, config: { injectedBugs: { ackBeforePersist: true } } });
    await sim.start();
    const error = await sim.run({ virtualMs: 2000 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SimulationViolation);
    const violation = error as SimulationViolation;
    expect(violation).toMatchObject({ seed: 42, invariant: 'Durable Ack', code: 'INVARIANT_VIOLATED' });
    expect(violation.message).toMatch(/^seed 42: Durable Ack violated at \d+ ms: n\d acknowledged index \d+ in term \d+ to n\d, but only \d+ is on its disk\nlast 50 events:\n/);
    expect(violation.recentEvents).toHaveLength(50);
    expect(violation.recentEvents.at(-1)).toMatch(/ VIOLATION Durable Ack: /);
    await expect(sim.step()).rejects.toBe(violation);
  });

  it('runs the same seed to the same trace, byte for byte, and another seed to another trace', async () => {
    const run = async (seed: number) => {
      const { sim, leader } = await startedCluster(seed, { recordTrace: true, links: { minDelayMs: 1, maxDelayMs: 15, loss: 0.1, duplicate: 0.1 } });
      await invokeAndWait(sim, 'c1', leader, { type: 'put', key: 'x', value: '1' });
      sim.crash(leader);
      await sim.run({ virtualMs: 500 });
      return { hash: sim.trace.hash(), lines: sim.trace.lines!, events: sim.trace.length };
    };
    const first = await run(9);
    const second = await run(9);
    expect(second.lines).toEqual(first.lines);
    expect(second.hash).toBe(first.hash);
    expect(first.events).toBe(first.lines.length);
    expect((await run(10)).hash).not.toBe(first.hash);
  });
});

describe('checkLiveness', () => {
  it('after crashes and a partition end, elects a leader within 20 election timeouts and commits each proposal within 3', async () => {
    const { sim, leader } = await startedCluster(21);
    sim.crash(leader);
    const [a, b] = sim.ids.filter((id) => id !== leader) as [string, string];
    sim.partition([a], [b]);
    await sim.run({ virtualMs: 500 });
    let count = 0;
    const report = await checkLiveness(sim, { command: (): KvCommand => ({ type: 'put', key: 'live', value: String(++count) }) });
    expect(sim.ids.every((id) => sim.isUp(id))).toBe(true);
    expect(report.electedAfterMs).toBeGreaterThanOrEqual(0);
    expect(report.electedAfterMs).toBeLessThanOrEqual(20 * 10 * 10);
    expect(report.proposalMs).toHaveLength(5);
    for (const ms of report.proposalMs) expect(ms).toBeLessThanOrEqual(3 * 10 * 10);
    expect(sim.status(report.leader)).toMatchObject({ role: 'leader', term: report.term });
    expect(value(sim, report.leader, 'live')).toBe('5');
  });

  it('fails with a Liveness violation naming the seed when a proposal cannot commit within its bound', async () => {
    const { sim } = await startedCluster(21);
    const error = await checkLiveness(sim, { command: () => ({ type: 'get', key: 'k' }), proposalWithinTicks: 0 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SimulationViolation);
    expect((error as SimulationViolation).message).toMatch(/^seed 21: Liveness violated at \d+ ms: proposal 1 did not commit within 0 ms/);
  });
});
