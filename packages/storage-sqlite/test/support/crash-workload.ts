/**
 * A deterministic storage workload for the crash test: the steps a node's storage sees (appends
 * with hard states, conflicting tails truncated by a new leader, snapshots, compactions), made
 * from a seed so the child that runs them and the parent that checks the result agree on them.
 */
import { createSeededRng, type Entry, type HardState, type SnapshotMeta } from '@raftkit/core';

/** WorkloadStep is one Storage call. */
export type WorkloadStep =
  | { readonly kind: 'append'; readonly entries: Entry[]; readonly truncateFrom?: number; readonly hardState: HardState }
  | { readonly kind: 'snapshot'; readonly meta: SnapshotMeta; readonly chunkCount: number }
  | { readonly kind: 'compact'; readonly upTo: number };

const CONFIG = { voters: ['n1', 'n2', 'n3'], outgoingVoters: [], learners: [] };
const SNAPSHOT_CHUNK_BYTES = 16 * 1024;

/** createWorkload returns `count` valid steps for an empty store. */
export function createWorkload(seed: number, count: number): WorkloadStep[] {
  const random = createSeededRng(seed);
  const below = (limit: number) => Math.floor(random() * limit);
  const terms: number[] = [];
  let lastIndex = 0;
  let term = 1;
  let vote = 'n1';
  let commit = 0;
  let snapshotIndex = 0;
  const steps: WorkloadStep[] = [];
  while (steps.length < count) {
    const roll = random();
    if (roll < 0.06 && commit > snapshotIndex) {
      snapshotIndex = commit;
      steps.push({ kind: 'snapshot', meta: { index: commit, term: terms[commit]!, config: CONFIG }, chunkCount: 1 + below(48) });
      continue;
    }
    if (roll < 0.09 && snapshotIndex > 0) {
      steps.push({ kind: 'compact', upTo: Math.max(0, snapshotIndex - below(3)) });
      continue;
    }
    const stable = Math.max(commit, snapshotIndex);
    let from = lastIndex + 1;
    let truncateFrom: number | undefined;
    if (roll < 0.2 && lastIndex > stable) {
      // A new leader overwrites part of the uncommitted tail.
      term++;
      vote = `n${1 + below(3)}`;
      from = stable + 1 + below(lastIndex - stable);
      truncateFrom = from;
    } else if (roll < 0.24) {
      term++;
      vote = `n${1 + below(3)}`;
    }
    const length = random() < 0.1 ? 0 : 1 + below(random() < 0.2 ? 64 : 8);
    const entries: Entry[] = [];
    for (let index = from; index < from + length; index++) {
      terms[index] = term;
      entries.push({ index, term, type: random() < 0.05 ? 'config' : 'normal', data: payload(index, term, 1 + below(600)) });
    }
    if (length > 0) lastIndex = from + length - 1;
    else if (truncateFrom !== undefined) lastIndex = truncateFrom - 1;
    commit = Math.min(lastIndex, commit + below(6));
    steps.push({ kind: 'append', entries, ...(truncateFrom !== undefined ? { truncateFrom } : {}), hardState: { term, vote, commit } });
  }
  return steps;
}

function payload(index: number, term: number, size: number): Uint8Array {
  const text = `${index}:${term}:`.padEnd(size, String.fromCharCode(97 + ((index * 7 + term) % 26)));
  return new TextEncoder().encode(text);
}

/** snapshotChunk is chunk `sequence` of the snapshot at `index`: deterministic bytes. */
export function snapshotChunk(index: number, sequence: number): Uint8Array {
  const bytes = new Uint8Array(SNAPSHOT_CHUNK_BYTES);
  for (let position = 0; position < bytes.length; position++) bytes[position] = (index * 31 + sequence * 7 + position) & 0xff;
  return bytes;
}

/** snapshotChunks streams a snapshot's chunks, yielding the event loop between them as a state machine would. */
export async function* snapshotChunks(index: number, chunkCount: number): AsyncIterable<Uint8Array> {
  for (let sequence = 0; sequence < chunkCount; sequence++) {
    yield snapshotChunk(index, sequence);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
