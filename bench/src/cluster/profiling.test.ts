import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from '@raftkit/node/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { collectProfiles, profileDirectory, profileName, profilingOptions, resultName } from './profiling.js';

describe('profileName', () => {
  const nodes = new Map([
    [4242, 'n1'],
    [4343, 'n2'],
  ]);

  it('names a main thread and a worker after the benchmark and the node, keeping when and the sequence', () => {
    expect(profileName('CPU.20261208.020114.4242.0.001.cpuprofile', nodes, 'compare-etcd')).toBe('compare-etcd-n1-main-20261208.020114.001.cpuprofile');
    expect(profileName('CPU.20261208.020115.4343.1.002.cpuprofile', nodes, 'cluster')).toBe('cluster-n2-worker1-20261208.020115.002.cpuprofile');
  });

  it('leaves alone a file of another process, or one that is not a Node profile', () => {
    expect(profileName('CPU.20261208.020114.999.0.001.cpuprofile', nodes, 'x')).toBeUndefined();
    expect(profileName('compare-etcd-n1-main-20261208.020114.001.cpuprofile', nodes, 'x')).toBeUndefined();
    expect(profileName('notes.txt', nodes, 'x')).toBeUndefined();
  });
});

describe('profileDirectory', () => {
  it('is off unless RAFTKIT_BENCH_PROFILE_DIR names a directory', () => {
    expect(profileDirectory({})).toBeUndefined();
    expect(profileDirectory({ RAFTKIT_BENCH_PROFILE_DIR: '  ' })).toBeUndefined();
    expect(profileDirectory({ RAFTKIT_BENCH_PROFILE_DIR: '/tmp/p' })).toBe('/tmp/p');
    expect(profilingOptions(undefined)).toEqual({});
  });

  it("sends a profiled run's results to <benchmark>-profiled, never over the plain ones", () => {
    expect(resultName('compare-etcd', undefined)).toBe('compare-etcd');
    expect(resultName('compare-etcd', '/tmp/p')).toBe('compare-etcd-profiled');
  });
});

describe('collectProfiles', () => {
  const directory = mkdtempSync(join(tmpdir(), 'raftkit-profiles-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('gets a CPU profile of each node, main thread and storage worker, from a real cluster', async () => {
    const cluster = await LocalCluster.start(['p1', 'p2', 'p3'], { flags: { 'log-level': 'warn' }, ...profilingOptions(directory) });
    try {
      const written = await collectProfiles(cluster, 'test', directory);
      const names = readdirSync(directory).sort();
      expect(names).toEqual(written.map((path) => path.slice(directory.length + 1)).sort());
      for (const id of ['p1', 'p2', 'p3']) {
        expect(names.filter((name) => name.startsWith(`test-${id}-main-`))).toHaveLength(1);
        expect(names.filter((name) => name.startsWith(`test-${id}-worker`)).length).toBeGreaterThanOrEqual(1);
      }
      // A V8 CPU profile: a call tree with samples.
      const profile = JSON.parse(readFileSync(written[0]!, 'utf8')) as { nodes: unknown[]; samples: unknown[] };
      expect(profile.nodes.length).toBeGreaterThan(0);
      expect(profile.samples.length).toBeGreaterThan(0);
    } finally {
      await cluster.destroy();
    }
  }, 120_000);
});
