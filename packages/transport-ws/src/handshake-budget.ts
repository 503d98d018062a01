/**
 * Before a peer has authenticated, it may make this node hold only a few KiB. ws buffers a whole
 * WebSocket message before handing it up (up to `maxPayload`, which must be large for Raft frames
 * after the handshake), so a limit on handshake records alone comes too late: 12 sockets holding
 * 15 MiB partial frames each took a node from 69 to 250 MiB. The budget counts the bytes the
 * socket itself delivers, so an unauthenticated socket is cut off after `maxBytes`, whatever
 * framing it uses.
 */
import type { Duplex } from 'node:stream';

/**
 * watchHandshakeBytes counts the bytes `socket` delivers until the returned function is called
 * (the handshake completed, or the connection closed), and calls `exceeded` once when more than
 * `maxBytes` arrived. Add it AFTER ws attached to the socket: ws then reads each chunk first, so a
 * chunk that completes the handshake is not counted against the budget.
 */
export function watchHandshakeBytes(socket: Duplex, maxBytes: number, exceeded: (bytes: number) => void): () => void {
  let bytes = 0;
  let watching = true;
  const onData = (chunk: Uint8Array): void => {
    if (!watching) return;
    bytes += chunk.byteLength;
    if (bytes <= maxBytes) return;
    stop();
    exceeded(bytes);
  };
  const stop = (): void => {
    watching = false;
    socket.off('data', onData);
  };
  socket.on('data', onData);
  return stop;
}
