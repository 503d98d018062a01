/**
 * The lock service under `@raftkit/sim`: seeded clusters with crashes, restarts, partitions, lossy
 * links, slow disks, snapshots every few entries and InstallSnapshot; every Raft invariant after
 * every step, liveness after the faults, and the clients' history checked for linearizability
 * against `lockModel`. A failure's message starts with its seed; replay it with
 * `runScenario({ seed, recordTrace: true, ... })`. LOCK_SEEDS=N runs more seeds locally.
 */
import { runScenario, SimulationViolation, type SimRandom } from '@raftkit/sim';
import { describe, expect, it } from 'vitest';
import { LockMachine, type LockCommand, type LockQuery, type LockResult } from './lock-machine.js';
import { lockModel, type LockOperation } from './lock-model.js';

const SEEDS = Number(process.env['LOCK_SEEDS'] ?? 40);
const LOCKS = ['a', 'b'];

/** workload makes each client's operations; its clock moves forward 0–40 ms per operation. */
function workload(): (random: SimRandom, clientId: string) => LockOperation {
  const clocks = new Map<string, number>();
  return (random, clientId) => {
    const now = (clocks.get(clientId) ?? 0) + random.int(0, 40);
    clocks.set(clientId, now);
    const lock = random.pick(LOCKS);
    const token = random.int(1, 6);
    switch (random.int(0, 4)) {
      case 0:
      case 1:
        return { type: 'acquire', lock, owner: clientId, ttlMs: random.int(20, 200), now };
      case 2:
        return { type: 'renew', lock, owner: clientId, token, ttlMs: random.int(20, 200), now };
      case 3:
        return { type: 'release', lock, owner: clientId, token, now };
      default:
        return { type: 'holder', lock, now };
    }
  };
}

/** A broken lock service: a lock taken over after its lease expired gets the previous holder's token. */
class ReusedTokenMachine extends LockMachine {
  override apply(command: LockCommand, meta: { index: number; term: number }): LockResult {
    const result = super.apply(command, meta);
    return result.ok && command.type === 'acquire' && result.token > 1 ? { ...result, token: result.token - 1 } : result;
  }
}

const options = (seed: number, machine: () => LockMachine) => ({
  seed,
  stateMachine: machine,
  model: lockModel,
  generate: workload(),
  read: (operation: LockOperation): LockQuery | undefined => (operation.type === 'holder' ? operation : undefined),
  clients: 4,
  nodeOptions: { snapshot: { entries: 6, trailing: 2, transfer: { chunkBytes: 64 } } },
});

describe('lock service in the simulator', () => {
  it(`is linearizable on seeds 0–${SEEDS - 1} under faults, with snapshots and InstallSnapshot`, async () => {
    let granted = 0;
    let reads = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const summary = await runScenario(options(seed, () => new LockMachine()));
      granted += summary.operations.ok;
      reads += summary.reads;
    }
    // The runs did work: commands answered and linearizable reads served.
    expect(granted).toBeGreaterThan(SEEDS * 10);
    expect(reads).toBeGreaterThan(0);
  });

  it('catches a service that hands a lock taken over after expiry the previous token (broken fencing)', async () => {
    const caught: number[] = [];
    for (let seed = 0; seed < 10; seed++) {
      try {
        await runScenario(options(seed, () => new ReusedTokenMachine()));
      } catch (error) {
        if (!(error instanceof SimulationViolation)) throw error;
        expect(error.invariant, error.message).toBe('Linearizability');
        caught.push(seed);
      }
    }
    expect(caught.length).toBeGreaterThan(0);
  });
});
