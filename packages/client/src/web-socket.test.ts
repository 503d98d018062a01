import { describe, expect, it } from 'vitest';
import { toWebSocketUrl } from './web-socket.js';

describe('toWebSocketUrl', () => {
  it.each([
    ['127.0.0.1:8001', 'ws://127.0.0.1:8001/v1/ws'],
    ['localhost:8001', 'ws://localhost:8001/v1/ws'],
    ['[::1]:8001', 'ws://[::1]:8001/v1/ws'],
    ['http://node-1:8001', 'ws://node-1:8001/v1/ws'],
    ['https://node-1', 'wss://node-1/v1/ws'],
    ['ws://node-1:8001/', 'ws://node-1:8001/v1/ws'],
    ['wss://node-1/custom/path', 'wss://node-1/custom/path'],
  ])('turns %s into %s', (address, url) => {
    expect(toWebSocketUrl(address)).toBe(url);
  });

  it('refuses a scheme other than ws, wss, http, https', () => {
    expect(() => toWebSocketUrl('ftp://node-1')).toThrow(TypeError);
  });
});
