/**
 * probeReads: the probe the lease scenarios send to a suspect leader. Every key is read on one node,
 * each read by its own client and all at once, so the history holds one read per key per probe and
 * the linearizability checker judges each on its own.
 */
import type { NodeId } from '@raftkit/core';
import type { KvCommand } from '../kv/kv-model.js';
import type { Simulation } from './simulation.js';

/** KvSimulation is a simulation of the KV state machine, as the lease scenarios run it. */
export type KvSimulation = Simulation<KvCommand, KvCommand, unknown>;

/** probeReads reads keys k0..k(keys-1) on `id` as clients `<label>-k<i>`; `answered` counts the reads served. */
export function probeReads(sim: KvSimulation, id: NodeId, label: string, keys: number, answered: () => void): void {
  for (let key = 0; key < keys; key++) {
    const get: KvCommand = { type: 'get', key: `k${key}` };
    void sim.invokeRead(`${label}-k${key}`, id, get, get).then((outcome) => {
      if (outcome.status === 'ok') answered();
    });
  }
}
