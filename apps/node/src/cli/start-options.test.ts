import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterIdOf, parseCluster } from './cluster.js';
import { NodeConfigError } from './errors.js';
import { resolveStartOptions } from './start-options.js';

const cwd = '/srv/raftkit';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof NodeConfigError) return error.code;
    throw error;
  }
  return undefined;
}

describe('raftkit start options', () => {
  it('fills in the documented defaults', () => {
    const options = resolveStartOptions({ argv: ['--id', 'n1'], env: { RAFTKIT_SECRET: 'a-long-peer-secret-0123456789' }, cwd });
    expect(options).toEqual({
      id: 'n1',
      dataDir: '/srv/raftkit/data/n1',
      peerListen: { host: '127.0.0.1', port: 7001 },
      httpListen: { host: '127.0.0.1', port: 8001 },
      peerAdvertise: '127.0.0.1:7001',
      httpAdvertise: '127.0.0.1:8001',
      cluster: undefined,
      join: undefined,
      learner: false,
      joinToken: undefined,
      tickMs: 100,
      electionTicks: 10,
      heartbeatTicks: 1,
      snapshotEntries: 10_000,
      snapshotTrailing: 1000,
      requestTimeoutMs: 5000,
      secret: 'a-long-peer-secret-0123456789',
      insecure: false,
      tokensFile: undefined,
      tls: undefined,
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
      maxConnections: 1024,
      warnings: [],
      leaseReads: false,
      maxBody: 1024 * 1024,
      logLevel: 'info',
      logFormat: 'json',
    });
  });

  it('reads every flag of the docs/architecture.md example', () => {
    const options = resolveStartOptions({
      argv: ['--id', 'n1', '--data', './data/n1', '--peer-listen', '127.0.0.1:7001', '--http-listen', '127.0.0.1:8001', '--cluster', 'n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003', '--lease-reads', '--snapshot-entries', '50', '--insecure'],
      cwd,
    });
    expect(options.cluster).toEqual([
      { id: 'n1', peerAddress: '127.0.0.1:7001' },
      { id: 'n2', peerAddress: '127.0.0.1:7002' },
      { id: 'n3', peerAddress: '127.0.0.1:7003' },
    ]);
    expect(options.leaseReads).toBe(true);
    // --snapshot-trailing defaults to min(N, 1000).
    expect([options.snapshotEntries, options.snapshotTrailing]).toEqual([50, 50]);
  });

  it('takes flags over RAFTKIT_* environment over the config file over defaults', () => {
    const directory = mkdtempSync(join(tmpdir(), 'raftkit-options-'));
    writeFileSync(join(directory, 'node.json'), JSON.stringify({ id: 'from-file', tickMs: 11, 'election-ticks': 12, heartbeatTicks: 3, secret: 'file-secret', cluster: { 'from-file': '10.0.0.1:7001' } }));
    const options = resolveStartOptions({
      argv: ['--config', 'node.json', '--tick-ms', '33'],
      env: { RAFTKIT_TICK_MS: '22', RAFTKIT_ELECTION_TICKS: '20', RAFTKIT_SECRET: 'env-secret', RAFTKIT_UNRELATED: 'ignored' },
      cwd: directory,
    });
    expect([options.id, options.tickMs, options.electionTicks, options.heartbeatTicks, options.secret]).toEqual(['from-file', 33, 20, 3, 'env-secret']);
    expect(options.cluster).toEqual([{ id: 'from-file', peerAddress: '10.0.0.1:7001' }]);
    expect(options.dataDir).toBe(join(directory, 'data', 'from-file'));
  });

  it('refuses invalid input with typed codes', () => {
    expect(codeOf(() => resolveStartOptions({ argv: [], cwd }))).toBe('MISSING_ID');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--no-such-flag'], cwd }))).toBe('UNKNOWN_FLAG');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', 'stray'], cwd }))).toBe('UNKNOWN_FLAG');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id'], cwd }))).toBe('MISSING_VALUE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--http-listen', 'localhost'], cwd }))).toBe('INVALID_ADDRESS');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--peer-listen', '127.0.0.1:70000'], cwd }))).toBe('INVALID_ADDRESS');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--cluster', 'n1=127.0.0.1:7001,n1=127.0.0.1:7002'], cwd }))).toBe('INVALID_CLUSTER');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--cluster', 'n2=127.0.0.1:7002'], cwd }))).toBe('MISSING_SELF');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--cluster', 'n1=127.0.0.1:7001', '--join', '127.0.0.1:8002'], cwd }))).toBe('CONFLICTING_FLAGS');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--learner'], cwd }))).toBe('CONFLICTING_FLAGS');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--tick-ms', '0'], cwd }))).toBe('INVALID_VALUE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--tick-ms', '1.5'], cwd }))).toBe('INVALID_VALUE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--heartbeat-ticks', '10'], cwd }))).toBe('INVALID_VALUE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1'], env: { RAFTKIT_LEASE_READS: 'maybe' }, cwd }))).toBe('INVALID_VALUE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--log-level', 'loud'], cwd }))).toBe('INVALID_VALUE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--config', 'missing.json'], cwd }))).toBe('CONFIG_FILE');
  });

  it('refuses an unknown config file key', () => {
    const directory = mkdtempSync(join(tmpdir(), 'raftkit-options-'));
    writeFileSync(join(directory, 'node.json'), JSON.stringify({ id: 'n1', tickMS: 5 }));
    expect(codeOf(() => resolveStartOptions({ argv: ['--config', 'node.json'], cwd: directory }))).toBe('UNKNOWN_FLAG');
  });
});

describe('--cluster', () => {
  it('derives the same cluster id whatever the order, and another id for another cluster', () => {
    const one = clusterIdOf(parseCluster('n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003'));
    expect(clusterIdOf(parseCluster('n3=127.0.0.1:7003, n1=127.0.0.1:7001,n2=127.0.0.1:7002'))).toBe(one);
    expect(clusterIdOf(parseCluster('n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7004'))).not.toBe(one);
    expect(one).toMatch(/^raftkit-[0-9a-f]{16}$/);
  });

  it('reads IPv6 addresses in brackets', () => {
    expect(parseCluster('a=[::1]:7001')).toEqual([{ id: 'a', peerAddress: '[::1]:7001' }]);
  });
});

describe('the peer secret (secure by default)', () => {
  const secretFile = (content: string): string => {
    const directory = mkdtempSync(join(tmpdir(), 'raftkit-secret-'));
    writeFileSync(join(directory, 'secret'), content);
    return join(directory, 'secret');
  };

  it('refuses to start without a secret unless --insecure', () => {
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1'], cwd }))).toBe('MISSING_SECRET');
    const insecure = resolveStartOptions({ argv: ['--id', 'n1', '--insecure'], cwd });
    expect([insecure.secret, insecure.insecure]).toEqual([undefined, true]);
    expect(resolveStartOptions({ argv: ['--id', 'n1'], env: { RAFTKIT_INSECURE: 'true' }, cwd }).insecure).toBe(true);
  });

  it('reads --secret-file (trailing newline trimmed), RAFTKIT_SECRET and the config file without a warning', () => {
    const path = secretFile('from-the-file-0123456789\n');
    expect(resolveStartOptions({ argv: ['--id', 'n1', '--secret-file', path], cwd })).toMatchObject({ secret: 'from-the-file-0123456789', warnings: [] });
    expect(resolveStartOptions({ argv: ['--id', 'n1'], env: { RAFTKIT_SECRET_FILE: path }, cwd }).secret).toBe('from-the-file-0123456789');
    expect(resolveStartOptions({ argv: ['--id', 'n1'], env: { RAFTKIT_SECRET: 'from-env' }, cwd })).toMatchObject({ secret: 'from-env', warnings: [] });
    const directory = mkdtempSync(join(tmpdir(), 'raftkit-options-'));
    writeFileSync(join(directory, 'node.json'), JSON.stringify({ id: 'n1', secret: 'from-config' }));
    expect(resolveStartOptions({ argv: ['--config', 'node.json'], cwd: directory })).toMatchObject({ secret: 'from-config', warnings: [] });
  });

  it('takes a secret on argv with a warning that it shows in ps', () => {
    const options = resolveStartOptions({ argv: ['--id', 'n1', '--secret', 'on-argv'], cwd });
    expect(options.secret).toBe('on-argv');
    expect(options.warnings.join('\n')).toMatch(/--secret-file/);
  });

  it('refuses an empty or unreadable secret file, and two secrets at once', () => {
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--secret-file', secretFile('\n')], cwd }))).toBe('INVALID_VALUE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--secret-file', '/no/such/file'], cwd }))).toBe('UNREADABLE_FILE');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--secret-file', secretFile('x'), '--secret', 'y'], cwd }))).toBe('CONFLICTING_FLAGS');
    // Across sources the usual precedence holds: the flag wins over the environment.
    expect(resolveStartOptions({ argv: ['--id', 'n1', '--secret-file', secretFile('from-flag')], env: { RAFTKIT_SECRET: 'from-env' }, cwd }).secret).toBe('from-flag');
  });
});

describe('node ids', () => {
  it('are 1-64 of [A-Za-z0-9._-], in --id and in --cluster', () => {
    const env = { RAFTKIT_SECRET: 'a-long-peer-secret-0123456789' };
    expect(resolveStartOptions({ argv: ['--id', 'node-1.a_B'], env, cwd }).id).toBe('node-1.a_B');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'узел1'], env, cwd }))).toBe('INVALID_ID');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'a'.repeat(65)], env, cwd }))).toBe('INVALID_ID');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n/1'], env, cwd }))).toBe('INVALID_ID');
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--cluster', 'n1=127.0.0.1:7001,узел2=127.0.0.1:7002'], env, cwd }))).toBe('INVALID_CLUSTER');
  });

  it('--machine resolves the module against the working directory, and excludes --resp-listen', () => {
    const env = { RAFTKIT_SECRET: 'a-long-peer-secret-0123456789' };
    expect(resolveStartOptions({ argv: ['--id', 'n1', '--machine', './plugins/lock.js'], env, cwd }).machine).toBe('/srv/raftkit/plugins/lock.js');
    expect(resolveStartOptions({ argv: ['--id', 'n1'], env, cwd }).machine).toBeUndefined();
    expect(codeOf(() => resolveStartOptions({ argv: ['--id', 'n1', '--machine', 'm.js', '--resp-listen', '127.0.0.1:6379'], env, cwd }))).toBe('CONFLICTING_FLAGS');
  });
});
