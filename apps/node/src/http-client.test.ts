import { describe, expect, it } from 'vitest';
import { baseUrl } from './http-client.js';

describe('baseUrl', () => {
  it('adds http:// to host:port and keeps an http(s) URL without its trailing slash', () => {
    expect(baseUrl('127.0.0.1:8001')).toBe('http://127.0.0.1:8001');
    expect(baseUrl('https://node-1:8001/')).toBe('https://node-1:8001');
  });

  it('maps a peer WebSocket URL to the same host over HTTP(S), dropping the path', () => {
    expect(baseUrl('ws://127.0.0.1:7001/raftkit/peer')).toBe('http://127.0.0.1:7001');
    expect(baseUrl('wss://node-2:7002')).toBe('https://node-2:7002');
    expect(baseUrl('WSS://node-2:7002/x')).toBe('https://node-2:7002');
  });
});
