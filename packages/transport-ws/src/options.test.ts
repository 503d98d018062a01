import { describe, expect, it } from 'vitest';
import { createWsTransport, WsTransportConfigError, type WsTransportOptions } from './index.js';

const base: WsTransportOptions = { id: 'a', clusterId: 'c', listen: { host: '127.0.0.1', port: 0 }, peers: {}, secret: 's' };
const codeOf = (overrides: Partial<WsTransportOptions>) => {
  try {
    createWsTransport({ ...base, ...overrides });
    return 'ok';
  } catch (error) {
    return error instanceof WsTransportConfigError ? error.code : String(error);
  }
};

describe('createWsTransport options', () => {
  it('rejects options that cannot work with a typed error code', () => {
    expect(codeOf({ id: '' })).toBe('INVALID_ID');
    expect(codeOf({ clusterId: '' })).toBe('INVALID_CLUSTER_ID');
    expect(codeOf({ secret: '' })).toBe('INVALID_SECRET');
    expect(codeOf({ maxPayloadBytes: 10 })).toBe('INVALID_LIMIT');
    expect(codeOf({ maxQueueBytes: 0 })).toBe('INVALID_LIMIT');
    expect(codeOf({ handshakeTimeoutMs: 0 })).toBe('INVALID_LIMIT');
    expect(codeOf({ keepAliveMs: -1 })).toBe('INVALID_LIMIT');
    expect(codeOf({ reconnect: { minMs: 100, maxMs: 50 } })).toBe('INVALID_RECONNECT');
    expect(codeOf({ path: 'raft' })).toBe('INVALID_PATH');
    expect(codeOf({ maxHandshakeBytes: 100 })).toBe('INVALID_LIMIT');
    expect(codeOf({ maxConnections: 0 })).toBe('INVALID_LIMIT');
    expect(codeOf({ tls: { cert: '', key: 'k', ca: 'c' } })).toBe('INVALID_TLS');
    expect(codeOf({ tls: { cert: 'c', key: 'k', ca: [] } })).toBe('INVALID_TLS');
    expect(codeOf({})).toBe('ok');
  });

  it('refuses to run without peer authentication unless insecure is given (authentication by default)', () => {
    const { secret: _secret, ...withoutSecret } = base;
    const attempt = (options: WsTransportOptions) => {
      try {
        createWsTransport(options);
        return 'ok';
      } catch (error) {
        return (error as WsTransportConfigError).code;
      }
    };
    expect(attempt(withoutSecret)).toBe('NO_AUTHENTICATION');
    expect(attempt({ ...withoutSecret, insecure: true })).toBe('ok');
    expect(attempt({ ...withoutSecret, tls: { cert: 'c', key: 'k', ca: 'a' } })).toBe('ok');
  });

  it('address() before start() throws, and start() twice is refused', async () => {
    const transport = createWsTransport(base);
    expect(() => transport.address()).toThrow('transport a is not listening');
    await transport.start(() => {});
    try {
      expect(transport.address().port).toBeGreaterThan(0);
      await expect(transport.start(() => {})).rejects.toThrow('transport a cannot start: it is started');
    } finally {
      await transport.close();
    }
  });
});

describe('peerUrl', () => {
  it('dials host:port with ws://, or wss:// under TLS; a URL keeps its scheme and gets the path only when it has none', async () => {
    const { peerUrl } = await import('./options.js');
    expect(peerUrl('127.0.0.1:7001', '/raftkit/peer')).toBe('ws://127.0.0.1:7001/raftkit/peer');
    expect(peerUrl('127.0.0.1:7001', '/raftkit/peer', true)).toBe('wss://127.0.0.1:7001/raftkit/peer');
    expect(peerUrl('wss://n1.example:7001', '/raftkit/peer')).toBe('wss://n1.example:7001/raftkit/peer');
    expect(peerUrl('wss://n1.example:7001/other', '/raftkit/peer')).toBe('wss://n1.example:7001/other');
  });
});
