/**
 * The server commands: COMMAND (COUNT, INFO, DOCS, LIST), INFO with a `raft` section, and
 * CONFIG GET (answers nothing: raftkit is configured by its flags, which CONFIG cannot change).
 */
import type { RespArgumentDoc, RespCall, RespCommandSpec } from './resp-command-spec.js';
import { REDIS_COMPATIBLE_VERSION } from './resp-connection-commands.js';
import { RESP_ERRORS } from './resp-errors.js';
import { reply, type RespReply } from './resp-reply.js';

const text = (value: string): RespReply => reply.bulk(value);

/** commandInfo is one command as COMMAND reports it (Redis 7's ten fields). */
function commandInfo(spec: RespCommandSpec): RespReply {
  const categories = [`@${spec.group}`, spec.flags.includes('write') ? '@write' : spec.flags.includes('readonly') ? '@read' : '@connection', ...(spec.flags.includes('fast') ? ['@fast'] : ['@slow'])];
  return reply.array([
    text(spec.name),
    reply.integer(spec.arity),
    reply.array(spec.flags.map((flag) => reply.simple(flag))),
    reply.integer(spec.keys[0]),
    reply.integer(spec.keys[1]),
    reply.integer(spec.keys[2]),
    reply.array(categories.map((category) => reply.simple(category))),
    reply.array([]),
    reply.array([]),
    reply.array([]),
  ]);
}

function argumentDoc(argument: RespArgumentDoc): RespReply {
  const flags = [...(argument.optional ? ['optional'] : []), ...(argument.multiple ? ['multiple'] : [])];
  return reply.map([
    [text('name'), text(argument.name)],
    [text('type'), text(argument.type)],
    ...(argument.token === undefined ? [] : ([[text('token'), text(argument.token)]] as const)),
    ...(flags.length === 0 ? [] : ([[text('flags'), reply.array(flags.map((flag) => reply.simple(flag)))]] as const)),
    ...(argument.arguments === undefined ? [] : ([[text('arguments'), reply.array(argument.arguments.map(argumentDoc))]] as const)),
  ]);
}

/** commandDocs is one command as COMMAND DOCS reports it: what redis-cli builds its hints from. */
function commandDocs(spec: RespCommandSpec): RespReply {
  return reply.map([
    [text('summary'), text(spec.summary)],
    [text('since'), text(spec.since)],
    [text('group'), text(spec.group)],
    ...(spec.complexity === undefined ? [] : ([[text('complexity'), text(spec.complexity)]] as const)),
    ...(spec.arguments.length === 0 ? [] : ([[text('arguments'), reply.array(spec.arguments.map(argumentDoc))]] as const)),
  ]);
}

/** named picks the specs of the names asked (all when none); COMMAND INFO answers null for an unknown one. */
function named(call: RespCall, names: readonly Buffer[]): (RespCommandSpec | undefined)[] {
  if (names.length === 0) return [...call.table.values()];
  return names.map((name) => call.table.get(name.toString('latin1').toLowerCase()));
}

/** infoText is INFO's answer: Redis's sections that clients read (server, clients, persistence, replication) and `raft`. */
function infoText(call: RespCall, sections: readonly string[]): string {
  const status = call.backend.status();
  const wanted = (section: string) => sections.length === 0 || sections.includes('all') || sections.includes('everything') || sections.includes('default') || sections.includes(section);
  const blocks: string[] = [];
  if (wanted('server')) {
    blocks.push(
      [
        '# Server',
        `redis_version:${REDIS_COMPATIBLE_VERSION}`,
        'redis_mode:standalone',
        'server_name:raftkit',
        `process_id:${process.pid}`,
        `tcp_port:${call.server.port}`,
        `uptime_in_seconds:${Math.floor((Date.now() - call.server.startedAtMs) / 1000)}`,
      ].join('\r\n'),
    );
  }
  if (wanted('clients')) blocks.push(['# Clients', `connected_clients:${call.server.connectedClients()}`].join('\r\n'));
  // Clients (ioredis's ready check) read `loading`; raftkit answers only once storage is loaded.
  if (wanted('persistence')) blocks.push(['# Persistence', 'loading:0', 'aof_enabled:0', 'raft_log_fsync:always'].join('\r\n'));
  if (wanted('replication')) blocks.push(['# Replication', `role:${status?.role === 'leader' ? 'master' : 'slave'}`].join('\r\n'));
  if (wanted('raft')) {
    blocks.push(
      status === undefined
        ? ['# Raft', 'raft_role:stopped'].join('\r\n')
        : [
            '# Raft',
            `raft_id:${status.id}`,
            `raft_cluster_id:${status.clusterId}`,
            `raft_role:${status.role}`,
            `raft_term:${status.term}`,
            `raft_leader:${status.leader ?? ''}`,
            `raft_commit_index:${status.commitIndex}`,
            `raft_applied_index:${status.appliedIndex}`,
            `raft_last_log_index:${status.lastLogIndex}`,
            `raft_snapshot_index:${status.snapshotIndex}`,
            `raft_voters:${status.members.voters.join(',')}`,
            `raft_learners:${status.members.learners.join(',')}`,
          ].join('\r\n'),
    );
  }
  return `${blocks.join('\r\n\r\n')}\r\n`;
}

/** RESP_SERVER_COMMANDS: the server commands. */
export const RESP_SERVER_COMMANDS: readonly RespCommandSpec[] = [
  {
    name: 'command',
    arity: -1,
    flags: ['stale'],
    keys: [0, 0, 0],
    access: 'connection',
    group: 'server',
    summary: 'COMMAND, COMMAND COUNT, COMMAND INFO, COMMAND DOCS, COMMAND LIST: the commands this server runs.',
    since: '2.8.13',
    arguments: [{ name: 'subcommand', type: 'string', optional: true }],
    run: (call) => {
      if (call.args.length === 0) return reply.array([...call.table.values()].map(commandInfo));
      const sub = call.args[0]!.toString('latin1');
      const rest = call.args.slice(1);
      switch (sub.toUpperCase()) {
        case 'COUNT':
          return reply.integer(call.table.size);
        case 'LIST':
          return reply.array([...call.table.keys()].map(text));
        case 'INFO':
          return reply.array(named(call, rest).map((spec) => (spec === undefined ? reply.null : commandInfo(spec))));
        case 'DOCS':
          return reply.map(named(call, rest).flatMap((spec) => (spec === undefined ? [] : [[text(spec.name), commandDocs(spec)] as const])));
        case 'HELP':
          return reply.array(['COMMAND [<subcommand>]', 'COUNT', 'LIST', 'INFO [<command-name> ...]', 'DOCS [<command-name> ...]'].map((line) => reply.simple(line)));
        default:
          return reply.error(RESP_ERRORS.unknownSubcommand(sub, 'command'));
      }
    },
  },
  {
    name: 'info',
    arity: -1,
    flags: ['stale'],
    keys: [0, 0, 0],
    access: 'read',
    group: 'server',
    summary: 'Describes the server; the raft section gives role, term, leader and indexes (this node, not linearizable).',
    since: '1.0.0',
    arguments: [{ name: 'section', type: 'string', optional: true, multiple: true }],
    run: (call) => ({ type: 'verbatim', value: infoText(call, call.args.map((section) => section.toString('latin1').toLowerCase())) }),
  },
  {
    name: 'config',
    arity: -2,
    flags: ['stale'],
    keys: [0, 0, 0],
    access: 'read',
    group: 'server',
    summary: 'CONFIG GET answers no parameters: raftkit is configured by the flags of raftkit start.',
    since: '2.0.0',
    arguments: [{ name: 'subcommand', type: 'string' }],
    run: (call) => {
      const sub = call.args[0]!.toString('latin1');
      if (sub.toUpperCase() === 'GET') return reply.map([]);
      return reply.error(`ERR CONFIG ${sub.toUpperCase()} is not supported: raftkit is configured by the flags of raftkit start`);
    },
  },
];
