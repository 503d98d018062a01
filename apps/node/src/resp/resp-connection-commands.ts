/**
 * The connection commands: PING, ECHO, QUIT, SELECT 0, AUTH, HELLO (RESP3 on `HELLO 3`) and
 * CLIENT SETNAME / GETNAME / ID / SETINFO / INFO. AUTH takes an API token as the password; with
 * no tokens configured it answers as Redis does when no password is set.
 */
import type { RespCall, RespCommandSpec, RespConnectionState } from './resp-command-spec.js';
import { RESP_ERRORS, RespUsageError } from './resp-errors.js';
import { reply, type RespReply } from './resp-reply.js';

/** The Redis version whose commands and replies the front follows (HELLO and INFO report it). */
export const REDIS_COMPATIBLE_VERSION = '7.0.0';

/** authenticate checks `token` against the configured tokens and, when it is known, sets the connection's role. */
function authenticate(call: RespCall, username: string | undefined, token: string): RespReply {
  if (call.tokens === undefined || call.tokens.open) {
    // Redis with no password: AUTH <password> is an error; AUTH default <anything> is accepted.
    return username === undefined ? reply.error(RESP_ERRORS.noPasswordConfigured) : username === 'default' ? reply.ok : reply.error(RESP_ERRORS.wrongPass);
  }
  const role = call.tokens.roleOf(token);
  if (role === undefined) return reply.error(RESP_ERRORS.wrongPass);
  call.connection.role = role;
  return reply.ok;
}

/** helloReply is HELLO's map: who the server is and the connection's protocol. */
function helloReply(call: RespCall): RespReply {
  const status = call.backend.status();
  const text = (value: string) => reply.bulk(value);
  return reply.map([
    [text('server'), text('redis')],
    [text('version'), text(REDIS_COMPATIBLE_VERSION)],
    [text('proto'), reply.integer(call.connection.protocol)],
    [text('id'), reply.integer(call.connection.id)],
    [text('mode'), text('standalone')],
    [text('role'), text(status?.role === 'leader' ? 'master' : 'replica')],
    [text('modules'), reply.array([])],
  ]);
}

function validClientName(name: string): boolean {
  // Redis: no spaces, newlines or other special characters ('!' to '~' only).
  return /^[!-~]*$/.test(name);
}

function clientInfo(connection: RespConnectionState): string {
  return `id=${connection.id} name=${connection.name ?? ''} db=0 resp=${connection.protocol}\n`;
}

/** RESP_CONNECTION_COMMANDS: the connection commands. */
export const RESP_CONNECTION_COMMANDS: readonly RespCommandSpec[] = [
  {
    name: 'ping',
    arity: -1,
    flags: ['fast', 'stale'],
    keys: [0, 0, 0],
    access: 'connection',
    group: 'connection',
    summary: 'Returns PONG, or the message given.',
    since: '1.0.0',
    arguments: [{ name: 'message', type: 'string', optional: true }],
    run: (call) => {
      if (call.args.length > 1) throw new RespUsageError(RESP_ERRORS.wrongArity('ping'));
      return call.args.length === 0 ? reply.simple('PONG') : reply.bulk(call.args[0]!);
    },
  },
  {
    name: 'echo',
    arity: 2,
    flags: ['fast', 'stale'],
    keys: [0, 0, 0],
    access: 'connection',
    group: 'connection',
    summary: 'Returns the given string.',
    since: '1.0.0',
    arguments: [{ name: 'message', type: 'string' }],
    run: (call) => reply.bulk(call.args[0]!),
  },
  {
    name: 'quit',
    arity: -1,
    flags: ['fast', 'stale', 'no-auth'],
    keys: [0, 0, 0],
    access: 'no-auth',
    group: 'connection',
    summary: 'Closes the connection once the reply is sent.',
    since: '1.0.0',
    arguments: [],
    run: (call) => {
      call.connection.closeAfterReply = true;
      return reply.ok;
    },
  },
  {
    name: 'select',
    arity: 2,
    flags: ['fast', 'stale'],
    keys: [0, 0, 0],
    access: 'connection',
    group: 'connection',
    summary: 'Selects the database: raftkit has one, database 0.',
    since: '1.0.0',
    arguments: [{ name: 'index', type: 'integer' }],
    run: (call) => {
      const text = call.args[0]!.toString('latin1');
      if (!/^-?[0-9]+$/.test(text)) throw new RespUsageError(RESP_ERRORS.notInteger);
      return Number(text) === 0 ? reply.ok : reply.error(RESP_ERRORS.dbOutOfRange);
    },
  },
  {
    name: 'auth',
    arity: -2,
    flags: ['fast', 'stale', 'no-auth'],
    keys: [0, 0, 0],
    access: 'no-auth',
    group: 'connection',
    summary: 'Authenticates the connection with an API token (the password; any username).',
    since: '1.0.0',
    arguments: [
      { name: 'username', type: 'string', optional: true },
      { name: 'password', type: 'string' },
    ],
    run: (call) => {
      if (call.args.length > 2) throw new RespUsageError(RESP_ERRORS.syntax);
      const [first, second] = call.args;
      return second === undefined ? authenticate(call, undefined, first!.toString('utf8')) : authenticate(call, first!.toString('utf8'), second.toString('utf8'));
    },
  },
  {
    name: 'hello',
    arity: -1,
    flags: ['fast', 'stale', 'no-auth'],
    keys: [0, 0, 0],
    access: 'no-auth',
    group: 'connection',
    summary: 'Handshakes: switches to RESP2 or RESP3, optionally authenticates and names the connection.',
    since: '6.0.0',
    arguments: [
      {
        name: 'arguments',
        type: 'block',
        optional: true,
        arguments: [
          { name: 'protover', type: 'integer' },
          { name: 'username-password', type: 'block', token: 'AUTH', optional: true, arguments: [{ name: 'username', type: 'string' }, { name: 'password', type: 'string' }] },
          { name: 'clientname', type: 'string', token: 'SETNAME', optional: true },
        ],
      },
    ],
    run: (call) => {
      const { args, connection } = call;
      let protocol = connection.protocol;
      if (args.length > 0) {
        const version = args[0]!.toString('latin1');
        if (!/^[0-9]+$/.test(version)) throw new RespUsageError('ERR Protocol version is not an integer or out of range');
        if (version !== '2' && version !== '3') return reply.error(RESP_ERRORS.noProto);
        protocol = version === '3' ? 3 : 2;
      }
      let name: string | undefined;
      for (let position = 1; position < args.length; position++) {
        const option = args[position]!.toString('latin1').toUpperCase();
        if (option === 'AUTH' && position + 2 < args.length) {
          const answer = authenticate(call, args[position + 1]!.toString('utf8'), args[position + 2]!.toString('utf8'));
          // With no tokens configured, HELLO ... AUTH default <anything> succeeds, as in Redis.
          if (answer.type === 'error') return answer;
          position += 2;
        } else if (option === 'SETNAME' && position + 1 < args.length) {
          name = args[++position]!.toString('utf8');
          if (!validClientName(name)) return reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
        } else {
          return reply.error(`ERR Syntax error in HELLO option '${args[position]!.toString('latin1')}'`);
        }
      }
      if (call.tokens !== undefined && !call.tokens.open && connection.role === undefined) {
        return reply.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
      }
      connection.protocol = protocol;
      if (name !== undefined) connection.name = name === '' ? null : name;
      return helloReply(call);
    },
  },
  {
    name: 'client',
    arity: -2,
    flags: ['stale'],
    keys: [0, 0, 0],
    access: 'connection',
    group: 'connection',
    summary: 'CLIENT SETNAME / GETNAME / ID / SETINFO / INFO for this connection.',
    since: '2.4.0',
    arguments: [{ name: 'subcommand', type: 'string' }],
    run: (call) => {
      const sub = call.args[0]!.toString('latin1');
      const rest = call.args.slice(1);
      switch (sub.toUpperCase()) {
        case 'SETNAME': {
          if (rest.length !== 1) throw new RespUsageError(RESP_ERRORS.wrongArity('client|setname'));
          const name = rest[0]!.toString('utf8');
          if (!validClientName(name)) return reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
          call.connection.name = name === '' ? null : name;
          return reply.ok;
        }
        case 'GETNAME':
          if (rest.length !== 0) throw new RespUsageError(RESP_ERRORS.wrongArity('client|getname'));
          return reply.bulk(call.connection.name);
        case 'ID':
          if (rest.length !== 0) throw new RespUsageError(RESP_ERRORS.wrongArity('client|id'));
          return reply.integer(call.connection.id);
        case 'SETINFO':
          // Client libraries announce their name and version; nothing to keep.
          if (rest.length !== 2) throw new RespUsageError(RESP_ERRORS.wrongArity('client|setinfo'));
          return reply.ok;
        case 'INFO':
          return reply.bulk(clientInfo(call.connection));
        case 'HELP':
          return reply.array(['CLIENT <subcommand> [<arg> ...]', 'SETNAME <name>', 'GETNAME', 'ID', 'SETINFO <attr> <value>', 'INFO'].map((line) => reply.simple(line)));
        default:
          return reply.error(RESP_ERRORS.unknownSubcommand(sub, 'client'));
      }
    },
  },
];
