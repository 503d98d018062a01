import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCluster } from './cluster.js';
import { NodeConfigError } from './errors.js';
import { parsePeerAddress } from './peer-address.js';
import { readPeerTls } from './peer-tls.js';
import { resolveStartOptions, startUsage } from './start-options.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof NodeConfigError) return error.code;
    throw error;
  }
};

/** A peer secret in the environment: `raftkit start` refuses to run without one (or --insecure). */
const SECRET = { RAFTKIT_SECRET: 'a-long-enough-test-secret' };

describe('--peer-tls-cert, --peer-tls-key, --peer-tls-ca', () => {
  it('are read together, resolved against the working directory, and listed in the help', () => {
    const options = resolveStartOptions({ env: SECRET, argv: ['--id', 'n1', '--peer-tls-cert', 'tls/n1.crt', '--peer-tls-key', 'tls/n1.key', '--peer-tls-ca', '/etc/ca.crt'], cwd: '/srv' });
    expect(options.peerTls).toEqual({ cert: '/srv/tls/n1.crt', key: '/srv/tls/n1.key', ca: '/etc/ca.crt' });
    expect(resolveStartOptions({ env: SECRET, argv: ['--id', 'n1'], cwd: '/srv' }).peerTls).toBeUndefined();
    expect(startUsage()).toContain('--peer-tls-ca FILE');
  });

  it('refuses one without the others', () => {
    expect(codeOf(() => resolveStartOptions({ env: SECRET, argv: ['--id', 'n1', '--peer-tls-cert', 'a.crt'], cwd: '/srv' }))).toBe('CONFLICTING_FLAGS');
    expect(codeOf(() => resolveStartOptions({ env: SECRET, argv: ['--id', 'n1', '--peer-tls-cert', 'a.crt', '--peer-tls-key', 'a.key'], cwd: '/srv' }))).toBe('CONFLICTING_FLAGS');
  });

  it('reads the PEM files, and names the flag of one it cannot read', () => {
    const directory = mkdtempSync(join(tmpdir(), 'raftkit-peer-tls-'));
    for (const name of ['cert', 'key', 'ca']) writeFileSync(join(directory, name), `PEM ${name}`);
    const files = { cert: join(directory, 'cert'), key: join(directory, 'key'), ca: join(directory, 'ca') };
    expect(readPeerTls(files)).toEqual({ cert: 'PEM cert', key: 'PEM key', ca: 'PEM ca' });
    expect(() => readPeerTls({ ...files, key: join(directory, 'missing') })).toThrow(/^INVALID_VALUE: --peer-tls-key: cannot read/);
  });
});

describe('peer addresses', () => {
  it('accept host:port and ws:// or wss:// URLs (with an optional path)', () => {
    expect(parsePeerAddress('10.0.0.1:7001', '--x')).toBe('10.0.0.1:7001');
    expect(parsePeerAddress('wss://node1.example:7001', '--x')).toBe('wss://node1.example:7001');
    expect(parsePeerAddress('WSS://[::1]:7001/raftkit/peer', '--x')).toBe('wss://[::1]:7001/raftkit/peer');
    expect(parsePeerAddress('ws://127.0.0.1:7001', '--x')).toBe('ws://127.0.0.1:7001');
    expect(codeOf(() => parsePeerAddress('https://h:1', '--x'))).toBe('INVALID_ADDRESS');
    expect(codeOf(() => parsePeerAddress('wss://h', '--x'))).toBe('INVALID_ADDRESS');
    expect(parseCluster('a=wss://10.0.0.1:7001,b=10.0.0.2:7001')).toEqual([
      { id: 'a', peerAddress: 'wss://10.0.0.1:7001' },
      { id: 'b', peerAddress: '10.0.0.2:7001' },
    ]);
    expect(resolveStartOptions({ env: SECRET, argv: ['--id', 'n1', '--peer-advertise', 'wss://n1.example:7001'], cwd: '/srv' }).peerAdvertise).toBe('wss://n1.example:7001');
  });
});
