/**
 * runKvScenario: runScenario with the KV state machine, the KV model and a workload of get, put,
 * delete and cas on a few keys. Most gets are linearizable reads (`RaftNode.read`: ReadIndex or
 * the lease, on leaders and followers); one in four goes through the log as a command. Values are unique per write, which
 * keeps the linearizability search small, and a cas usually expects a value recently written to
 * its key, so it succeeds often enough to matter.
 */
import { kvModel, type KvCommand, type KvResult, type KvValue } from '../kv/kv-model.js';
import { createKvStateMachine, type KvQuery } from '../kv/kv-state-machine.js';
import type { SimRandom } from './random.js';
import { runScenario, type ScenarioOptions, type ScenarioSummary } from './scenario.js';

/** KvScenarioOptions: runScenario's options without the KV parts, plus the number of keys. */
export interface KvScenarioOptions extends Partial<Omit<ScenarioOptions<KvValue, KvCommand, KvQuery, KvResult>, 'seed' | 'stateMachine' | 'model' | 'generate'>> {
  /** How many keys the clients use. Default 3. */
  readonly keys?: number;
}

/** createKvWorkload returns a command generator over `keys` keys. */
export function createKvWorkload(keys = 3): (random: SimRandom, clientId: string) => KvCommand {
  const written = new Map<string, string[]>();
  const sequence = new Map<string, number>();
  const nextValue = (clientId: string, key: string): string => {
    const count = (sequence.get(clientId) ?? 0) + 1;
    sequence.set(clientId, count);
    const value = `${clientId}.${count}`;
    const values = written.get(key) ?? [];
    values.push(value);
    if (values.length > 4) values.shift();
    written.set(key, values);
    return value;
  };
  return (random, clientId) => {
    const key = `k${random.int(0, keys - 1)}`;
    switch (random.weighted({ get: 3, put: 3, delete: 1, cas: 2 })) {
      case 'get':
        return { type: 'get', key };
      case 'put':
        return { type: 'put', key, value: nextValue(clientId, key) };
      case 'delete':
        return { type: 'delete', key };
      case 'cas': {
        const recent = written.get(key) ?? [];
        const expect = recent.length > 0 && random.chance(0.8) ? random.pick(recent) : null;
        return { type: 'cas', key, expect, value: nextValue(clientId, key) };
      }
    }
  };
}

/** runKvScenario runs one seed of the KV workload; throws SimulationViolation on any failure. */
export function runKvScenario(seed: number, options: KvScenarioOptions = {}): Promise<ScenarioSummary> {
  const { keys, ...rest } = options;
  return runScenario<KvValue, KvCommand, KvQuery, KvResult>({
    ...rest,
    seed,
    stateMachine: createKvStateMachine,
    model: kvModel,
    generate: createKvWorkload(keys),
    read: (command, random) => (command.type === 'get' && random.chance(0.75) ? command : undefined),
  });
}
