/**
 * The Redis-protocol (RESP) server of the reference node (`--resp-listen HOST:PORT`).
 *
 *   socket bytes ─► RespRequestParser ─► commands ─► dispatch (table) ─► RespBackend (Operations)
 *        ▲                                              │
 *        └──────── replies, in the order sent ◄─────────┘
 *
 * Pipelining: a client may send many commands before reading. Replies go back in the order the
 * commands came. Reads (GET, MGET, PING...) run alongside each other; any other command waits for
 * everything before it and holds back everything after it, so a pipeline applies in order and a
 * GET after a SET on one connection sees that SET (as with Redis).
 *
 * Bounds: the parser holds at most `maxBufferedBytes` of an incomplete command; at most
 * MAX_IN_FLIGHT commands per connection are being run or waiting to be answered, and replies the
 * client does not read stop at the socket's high-water mark: beyond either, the socket is paused
 * (TCP pushes back on the client). Malformed or oversized input gets an error
 * reply and the connection is closed, as Redis does; the server itself never stops over it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { formatAddress } from '../cli/address.js';
import type { RespBackend, TokenStore } from './resp-backend.js';
import { dispatch, runsConcurrently } from './resp-command-table.js';
import type { RespConnectionState, RespServerInfo } from './resp-command-spec.js';
import { encodeReply, reply } from './resp-reply.js';
import { RespRequestParser, type RespLimits } from './resp-request-parser.js';

/** Options of createRespServer. */
export interface RespServerOptions {
  readonly backend: RespBackend;
  /** API tokens (the security work's TokenStore); absent or `open`: no AUTH needed. */
  readonly tokens?: TokenStore;
  /** Largest value (bulk argument) accepted: the node's --max-body. */
  readonly maxValueBytes: number;
  readonly logger: Logger;
}

/** RespServer is a listening (or not yet listening) RESP server. */
export interface RespServer {
  /** listen binds `host:port` and answers the bound `host:port`. */
  listen(host: string, port: number): Promise<string>;
  /** close stops accepting, lets replies in flight go out for a moment, then cuts every connection. */
  close(): Promise<void>;
}

/** Commands being run or waiting for their turn to be answered, per connection, before reading pauses. */
const MAX_IN_FLIGHT = 1024;
/** Longest inline (telnet-style) command line. */
const MAX_INLINE_BYTES = 64 * 1024;
/** How long close waits for replies in flight before cutting connections. */
const CLOSE_GRACE_MS = 1000;

/** A reply slot: filled when its command finished; `close` ends the connection after it is written. */
interface Slot {
  bytes: Buffer | undefined;
  close: boolean;
  readonly done: Promise<void>;
}

/** createRespServer builds the server; it listens once `listen` is called. */
export function createRespServer(options: RespServerOptions): RespServer {
  const limits: RespLimits = {
    maxBulkBytes: options.maxValueBytes,
    maxArguments: 1024 * 1024,
    maxInlineBytes: MAX_INLINE_BYTES,
    // An MSET may carry a few values of the largest size; beyond that the request is refused.
    maxBufferedBytes: 2 * options.maxValueBytes + 64 * 1024,
  };
  const sockets = new Set<Socket>();
  let nextClientId = 1;
  let port = 0;
  const info: RespServerInfo = {
    get port() {
      return port;
    },
    startedAtMs: Date.now(),
    connectedClients: () => sockets.size,
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    serveConnection(socket, { id: nextClientId++, protocol: 2, name: null, role: undefined, closeAfterReply: false }, options, limits, info);
  });
  server.on('error', (error) => options.logger.error({ err: error }, 'RESP server error'));

  return {
    listen: (host, wanted) =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(wanted, host, () => {
          server.off('error', reject);
          const bound = server.address();
          port = typeof bound === 'object' && bound !== null ? bound.port : wanted;
          resolve(typeof bound === 'object' && bound !== null ? formatAddress({ host: bound.address, port: bound.port }) : `${host}:${wanted}`);
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.end();
      const grace = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, CLOSE_GRACE_MS);
      await closed;
      clearTimeout(grace);
    },
  };
}

/** serveConnection runs one client connection until it closes. */
function serveConnection(socket: Socket, connection: RespConnectionState, options: RespServerOptions, limits: RespLimits, server: RespServerInfo): void {
  const parser = new RespRequestParser(limits);
  const slots: Slot[] = [];
  let pumping = false;
  let ended = false;
  // The last command that must not overlap others, and the overlapping ones started since.
  let barrier: Promise<void> = Promise.resolve();
  const sinceBarrier = new Set<Promise<void>>();

  const context = { connection, backend: options.backend, tokens: options.tokens, server };

  const enqueue = (run: () => Promise<{ bytes: Buffer; close: boolean }>, concurrent: boolean): void => {
    const slot = { bytes: undefined, close: false } as Omit<Slot, 'done'> & { done?: Promise<void> };
    const start = concurrent ? barrier : Promise.all([barrier, ...sinceBarrier]);
    const done = start.then(run).then((outcome) => {
      slot.bytes = outcome.bytes;
      slot.close = outcome.close;
    });
    slot.done = done;
    if (concurrent) {
      sinceBarrier.add(done);
      void done.then(() => sinceBarrier.delete(done));
    } else {
      barrier = done;
      sinceBarrier.clear();
    }
    slots.push(slot as Slot);
    if (slots.length >= MAX_IN_FLIGHT) socket.pause();
    void pump();
  };

  // Reading resumes once few commands are in flight and the client has read what was written.
  const resumeIfRoom = (): void => {
    if (socket.isPaused() && !ended && slots.length < MAX_IN_FLIGHT / 2 && !socket.writableNeedDrain) socket.resume();
  };
  socket.on('drain', resumeIfRoom);

  // Writes every finished reply at the head of the queue, in order, several per write when ready.
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    while (slots.length > 0 && !socket.destroyed) {
      await slots[0]!.done;
      const ready: Buffer[] = [];
      let close = false;
      while (slots.length > 0 && slots[0]!.bytes !== undefined && !close) {
        const slot = slots.shift()!;
        ready.push(slot.bytes!);
        close = slot.close;
      }
      if (!socket.destroyed && !socket.write(ready.length === 1 ? ready[0]! : Buffer.concat(ready))) socket.pause();
      if (close) {
        ended = true;
        slots.length = 0;
        socket.end();
        break;
      }
      resumeIfRoom();
    }
    pumping = false;
  };

  socket.on('data', (chunk: Buffer) => {
    if (ended) return;
    const { commands, error } = parser.push(chunk);
    for (const words of commands) {
      if (ended) break;
      const name = words[0]!.toString('latin1').toLowerCase();
      const quit = name === 'quit';
      enqueue(async () => {
        const answer = await dispatch(words, context);
        // Encoded now, in the protocol in force after the command (HELLO 3 answers in RESP3).
        return { bytes: encodeReply(answer, connection.protocol), close: connection.closeAfterReply };
      }, runsConcurrently(name));
      if (quit) ended = true;
    }
    if (error !== undefined && !ended) {
      // Redis answers a protocol error after the replies before it, then closes the connection.
      ended = true;
      socket.pause();
      options.logger.debug({ client: connection.id, err: error }, 'RESP protocol error; closing the connection');
      enqueue(() => Promise.resolve({ bytes: encodeReply(reply.error(error.message), connection.protocol), close: true }), false);
    }
  });
  socket.on('error', (error) => options.logger.debug({ client: connection.id, err: error }, 'RESP connection error'));
}
