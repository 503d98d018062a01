import { connect } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeKvCommand } from '../kv/kv-commands.js';
import { stampLeaderClock } from '../kv/kv-commands.js';
import { KvStateMachine } from '../kv/kv-state-machine.js';
import { OperationError } from '../operation-error.js';
import type { RespBackend, TokenStore } from './resp-backend.js';
import { createRespServer, type RespServer } from './resp-server.js';

/**
 * A backend over the real KV state machine without Raft: each write is applied at the next
 * index with this process's clock as the leader timestamp. `delayMs` holds writes back (to show
 * pipelines keep their order); `failWith` makes every write fail.
 */
function memoryBackend(options: { delayMs?: () => number; failWith?: OperationError } = {}): RespBackend {
  const kv = new KvStateMachine();
  let index = 0;
  return {
    write: async (command: NodeKvCommand) => {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs?.() ?? 0));
      if (options.failWith !== undefined) throw options.failWith;
      return kv.apply(stampLeaderClock(command, Date.now()), { index: ++index, term: 1 });
    },
    query: async (query) => kv.query(query),
    status: () => undefined,
  };
}

const TOKENS: TokenStore = {
  open: false,
  roleOf: (token) => ({ 'read-token': 'read', 'write-token': 'write', 'admin-token': 'admin' }) [token] as 'read' | 'write' | 'admin' | undefined,
};

let server: RespServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(backend: RespBackend, tokens?: TokenStore): Promise<number> {
  server = createRespServer({ backend, maxValueBytes: 1024, logger: pino({ level: 'silent' }), ...(tokens === undefined ? {} : { tokens }) });
  const address = await server.listen('127.0.0.1', 0);
  return Number(address.split(':').pop());
}

/** command encodes one request as a client library does. */
function command(...words: string[]): string {
  return `*${words.length}\r\n${words.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`;
}

/**
 * exchange sends `request` on a new connection and answers what came back once `until` holds: as
 * many bytes as that string has, or the predicate is true (or the deadline passed).
 */
function exchange(port: number, request: string, until: string | ((received: string) => boolean), timeoutMs = 10_000): Promise<string> {
  const done = typeof until === 'string' ? (received: string) => received.length >= until.length : until;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (done(received)) finish();
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

async function expectExchange(port: number, request: string, expected: string): Promise<void> {
  expect(await exchange(port, request, expected)).toBe(expected);
}

describe('RESP server', () => {
  it('keeps a pipeline in order: replies in sending order, a GET sees the SETs sent before it', async () => {
    const port = await start(memoryBackend({ delayMs: () => Math.random() * 20 }));
    const request = [command('SET', 'k', '1'), command('GET', 'k'), command('SET', 'k', '2'), command('INCR', 'k'), command('GET', 'k'), command('PING')].join('');
    await expectExchange(port, request, '+OK\r\n$1\r\n1\r\n+OK\r\n:3\r\n$1\r\n3\r\n+PONG\r\n');
  });

  it('answers a pipeline of 3,000 commands (3 MB of replies) whole and in order', async () => {
    const port = await start(memoryBackend());
    const value = 'v'.repeat(1000);
    const reply = `$1000\r\n${value}\r\n`;
    const request = command('SET', 'big', value) + command('GET', 'big').repeat(3000) + command('PING');
    const received = await exchange(port, request, (text) => text.endsWith('+PONG\r\n'), 60_000);
    expect(received).toBe(`+OK\r\n${reply.repeat(3000)}+PONG\r\n`);
  });

  it('speaks RESP3 after HELLO 3: maps, nulls and booleans in their RESP3 types', async () => {
    const port = await start(memoryBackend());
    const hello = await exchange(port, command('HELLO', '3') + command('GET', 'missing') + command('HELLO', '2') + command('GET', 'missing'), (received) => received.endsWith('*0\r\n$-1\r\n'));
    expect(hello.startsWith('%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n')).toBe(true);
    expect(hello.endsWith('_\r\n*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$7\r\nreplica\r\n$7\r\nmodules\r\n*0\r\n$-1\r\n')).toBe(true);
    await expectExchange(port, command('HELLO', '4'), '-NOPROTO unsupported protocol version\r\n');
  });

  it('with no tokens configured, answers AUTH as Redis does with no password', async () => {
    const port = await start(memoryBackend());
    await expectExchange(
      port,
      command('AUTH', 'secret') + command('AUTH', 'default', 'anything') + command('AUTH', 'alice', 'x') + command('PING'),
      '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n+OK\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+PONG\r\n',
    );
  });

  it('with tokens, requires AUTH and enforces roles: read for reads, write for writes', async () => {
    const port = await start(memoryBackend(), TOKENS);
    await expectExchange(port, command('PING') + command('GET', 'k') + command('AUTH', 'wrong'), '-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    await expectExchange(
      port,
      command('AUTH', 'read-token') + command('GET', 'k') + command('SET', 'k', 'v') + command('AUTH', 'default', 'write-token') + command('SET', 'k', 'v') + command('GET', 'k'),
      "+OK\r\n$-1\r\n-NOPERM this token (role read) has no permissions to run the 'set' command\r\n+OK\r\n+OK\r\n$1\r\nv\r\n",
    );
    // HELLO ... AUTH authenticates in the handshake, as redis-cli and RESP3 clients do it.
    const hello = await exchange(port, command('HELLO', '2', 'AUTH', 'default', 'admin-token') + command('DEL', 'k'), (received) => received.endsWith(':1\r\n'));
    expect(hello.startsWith('*14\r\n')).toBe(true);
    expect(hello.endsWith(':1\r\n')).toBe(true);
    await expectExchange(port, command('HELLO', '3', 'AUTH', 'default', 'nope'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await exchange(port, command('HELLO', '3'), (received) => received.endsWith('\r\n'))).toMatch(/^-NOAUTH HELLO must be called with the client already authenticated/);
  });

  it('tells "certainly not applied" (TRYAGAIN) from "outcome unknown" (UNCERTAIN)', async () => {
    const noLeader = await start(memoryBackend({ failWith: new OperationError('NO_LEADER', 'no leader is known') }));
    expect(await exchange(noLeader, command('SET', 'k', 'v'), (received) => received.endsWith('\r\n'))).toMatch(/^-TRYAGAIN NO_LEADER: certainly not applied; retry\. no leader is known\r\n$/);
    await server!.close();
    const unknown = await start(memoryBackend({ failWith: new OperationError('OUTCOME_UNKNOWN', 'lost the answer') }));
    expect(await exchange(unknown, command('INCR', 'k'), (received) => received.endsWith('\r\n'))).toMatch(/^-UNCERTAIN OUTCOME_UNKNOWN: the write may or may not have applied\. lost the answer\r\n$/);
  });

  it('answers COMMAND, COMMAND DOCS and INFO for the tools that ask', async () => {
    const port = await start(memoryBackend());
    const count = await exchange(port, command('COMMAND', 'COUNT'), (received) => received.endsWith('\r\n'));
    expect(count).toMatch(/^:\d+\r\n$/);
    const info = await exchange(port, command('COMMAND', 'INFO', 'get', 'nosuch'), (received) => received.endsWith('$-1\r\n'));
    expect(info.startsWith('*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n')).toBe(true);
    expect(info.endsWith('$-1\r\n')).toBe(true);
    const docs = await exchange(port, command('COMMAND', 'DOCS', 'set') + command('PING'), (received) => received.endsWith('+PONG\r\n'));
    expect(docs).toContain('$7\r\nsummary\r\n');
    expect(docs).toContain('$5\r\ntoken\r\n$2\r\nNX\r\n');
  });
});
