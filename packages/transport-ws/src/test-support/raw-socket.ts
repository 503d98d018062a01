/**
 * Raw TCP clients for tests of what happens before any WebSocket exists: an attacker's socket
 * that upgrades and then sends part of a huge frame, sends headers slowly, or sends nothing.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** RawClient is one TCP connection and what happened to it. */
export interface RawClient {
  readonly socket: Socket;
  /** Bytes received from the server. */
  readonly received: () => Buffer;
  /** True once the server closed (or reset) the connection. */
  readonly closed: () => boolean;
  /** Bytes this client managed to write before the connection closed. */
  readonly written: () => number;
}

/** rawConnect opens a TCP connection to 127.0.0.1:`port`. */
export async function rawConnect(port: number): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  let closed = false;
  let written = 0;
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  const write = socket.write.bind(socket);
  socket.write = ((data: Uint8Array | string, ...rest: never[]) => {
    if (!closed) written += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    return write(data, ...rest);
  }) as Socket['write'];
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed: () => closed, written: () => written };
}

/** upgradeRequest is the HTTP request that opens a WebSocket on `path`. */
export function upgradeRequest(path: string): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

/** frameHeader is a masked binary WebSocket frame header announcing `length` payload bytes (64-bit length form). */
export function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x82; // FIN + binary
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(header, 10);
  return header;
}
