/**
 * The part of the WHATWG WebSocket API the client uses, so `ws` (the default), a browser's
 * WebSocket or a test double can be injected. Handlers are declared with method syntax on purpose:
 * TypeScript then compares their parameters bivariantly, which lets `ws`'s own event types fit.
 */

/** WebSocketLike is one WebSocket as the client drives it. */
export interface WebSocketLike {
  /** The client sets 'arraybuffer'. */
  binaryType: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Called once the socket is open. */
  onopen: { handler(event: unknown): void }['handler'] | null;
  /** Called with each message; `data` is an ArrayBuffer for binary frames. */
  onmessage: { handler(event: { readonly data: unknown }): void }['handler'] | null;
  /** Called once the socket closed, whether it was open or never opened. */
  onclose: { handler(event: { readonly code: number; readonly reason: unknown }): void }['handler'] | null;
  /** Called on a failure; `onclose` follows. */
  onerror: { handler(event: unknown): void }['handler'] | null;
  /** send queues one binary message. */
  send(data: Uint8Array): void;
  /** close starts the closing handshake. */
  close(code?: number, reason?: string): void;
}

/** WebSocketConstructor opens a WebSocket to a `ws://` or `wss://` URL. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** OPEN is the readyState of an open WebSocket. */
export const OPEN = 1;

/** PATH is where a node serves the client protocol. */
export const PATH = '/v1/ws';

/**
 * toWebSocketUrl turns a node address into the URL of its client endpoint: `host:port` becomes
 * `ws://host:port/v1/ws`; `http(s)://` becomes `ws(s)://`; a `ws(s)://` URL without a path gets
 * `/v1/ws`. Invalid input throws a TypeError.
 */
export function toWebSocketUrl(address: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `ws://${address}`;
  const url = new URL(withScheme);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`not a node address: ${address}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = PATH;
  return url.toString();
}
