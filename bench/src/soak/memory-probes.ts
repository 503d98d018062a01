/**
 * Reading each member's memory while a soak runs. A raftkit node reports its own through
 * `GET /metrics` (prom-client's `process_resident_memory_bytes`, read from /proc/self/status on
 * Linux, and `nodejs_heap_size_used_bytes`), and the leader's snapshot and last log index come
 * with it. An etcd member's RSS is read from /proc/<pid>/status (VmRSS, the same source) and its
 * Go heap in use from its own `/metrics` (`go_memstats_heap_inuse_bytes`).
 */
import { readFileSync } from 'node:fs';
import { metricValue } from './prometheus-text.js';

/** One member's memory at one moment; a field is undefined when that read failed. */
export interface MemorySample {
  readonly rssBytes: number | undefined;
  /** V8 heap used (raftkit) or Go heap in use (etcd). */
  readonly heapBytes: number | undefined;
}

/** ClusterSample is every member's memory at one moment, plus the leader's log position when known. */
export interface ClusterSample {
  readonly members: Readonly<Record<string, MemorySample>>;
  readonly leaderSnapshotIndex: number | undefined;
  readonly leaderLastIndex: number | undefined;
}

/** ClusterProbe samples one running cluster. */
export interface ClusterProbe {
  /** Member names, in the order the table shows them. */
  readonly members: readonly string[];
  sample(): Promise<ClusterSample>;
}

async function metricsText(address: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    return response.status === 200 ? text : undefined;
  } catch {
    return undefined;
  }
}

/** createRaftkitProbe reads `/metrics` of each node (`id` → `host:port`). */
export function createRaftkitProbe(nodes: readonly { readonly id: string; readonly http: string }[]): ClusterProbe {
  return {
    members: nodes.map((node) => node.id),
    async sample() {
      const texts = await Promise.all(nodes.map((node) => metricsText(node.http)));
      const members: Record<string, MemorySample> = {};
      let leaderSnapshotIndex: number | undefined;
      let leaderLastIndex: number | undefined;
      nodes.forEach((node, position) => {
        const text = texts[position];
        members[node.id] = {
          rssBytes: text === undefined ? undefined : metricValue(text, 'process_resident_memory_bytes'),
          heapBytes: text === undefined ? undefined : metricValue(text, 'nodejs_heap_size_used_bytes'),
        };
        if (text !== undefined && metricValue(text, 'raftkit_role', { role: 'leader' }) === 1) {
          leaderSnapshotIndex = metricValue(text, 'raftkit_snapshot_index');
          leaderLastIndex = metricValue(text, 'raftkit_last_log_index');
        }
      });
      return { members, leaderSnapshotIndex, leaderLastIndex };
    },
  };
}

/** processRssBytes reads VmRSS of process `pid` from /proc; undefined when it is gone. */
export function processRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** createEtcdProbe reads each member's RSS from /proc and its heap from its client address's `/metrics`. */
export function createEtcdProbe(members: readonly { readonly name: string; readonly pid: number; readonly clientAddress: string }[]): ClusterProbe {
  return {
    members: members.map((member) => member.name),
    async sample() {
      const texts = await Promise.all(members.map((member) => metricsText(member.clientAddress)));
      const samples: Record<string, MemorySample> = {};
      members.forEach((member, position) => {
        const text = texts[position];
        samples[member.name] = { rssBytes: processRssBytes(member.pid), heapBytes: text === undefined ? undefined : metricValue(text, 'go_memstats_heap_inuse_bytes') };
      });
      return { members: samples, leaderSnapshotIndex: undefined, leaderLastIndex: undefined };
    },
  };
}
