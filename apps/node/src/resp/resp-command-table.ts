/**
 * The command table and the dispatcher: looks a command up, checks its arity and who may run it,
 * runs it, and turns whatever it failed with into the RESP error a client expects.
 */
import type { RespCall, RespCommandSpec } from './resp-command-spec.js';
import { RESP_CONNECTION_COMMANDS } from './resp-connection-commands.js';
import { RESP_ERRORS, RespUsageError, respErrorOf } from './resp-errors.js';
import { RESP_KV_COMMANDS } from './resp-kv-commands.js';
import { reply, type RespReply } from './resp-reply.js';
import { RESP_SERVER_COMMANDS } from './resp-server-commands.js';

/** RESP_COMMAND_TABLE: every command the front runs, by lower-case name. */
export const RESP_COMMAND_TABLE: ReadonlyMap<string, RespCommandSpec> = new Map(
  [...RESP_CONNECTION_COMMANDS, ...RESP_KV_COMMANDS, ...RESP_SERVER_COMMANDS].map((spec) => [spec.name, spec]),
);

/**
 * Commands that may run alongside the ones before and after them on the same connection: they
 * neither change the store nor the connection. Every other command waits for the ones before it
 * and holds back the ones after it, so a pipeline applies in the order it was sent (as Redis does).
 */
const CONCURRENT = new Set(['get', 'mget', 'exists', 'strlen', 'dbsize', 'ping', 'echo', 'command', 'info', 'config']);

/** runsConcurrently tells whether the command named `name` may overlap its neighbours on one connection. */
export function runsConcurrently(name: string): boolean {
  return CONCURRENT.has(name) || !RESP_COMMAND_TABLE.has(name);
}

const ROLE_RANK = { read: 1, write: 2, admin: 3 } as const;

/** dispatch runs one command. It never throws: every failure is an error reply. */
export async function dispatch(words: readonly Buffer[], context: Omit<RespCall, 'name' | 'args' | 'table'>): Promise<RespReply> {
  const name = words[0]!.toString('latin1');
  const spec = RESP_COMMAND_TABLE.get(name.toLowerCase());
  if (spec === undefined) return reply.error(RESP_ERRORS.unknownCommand(name, words.slice(1)));
  if (spec.arity > 0 ? words.length !== spec.arity : words.length < -spec.arity) return reply.error(RESP_ERRORS.wrongArity(spec.name));
  const { tokens, connection } = context;
  if (tokens !== undefined && !tokens.open && spec.access !== 'no-auth') {
    const role = connection.role;
    if (role === undefined) return reply.error(RESP_ERRORS.noAuth);
    const needed = spec.access === 'write' ? ROLE_RANK.write : ROLE_RANK.read;
    if (ROLE_RANK[role] < needed) return reply.error(RESP_ERRORS.noPermission(role, spec.name));
  }
  try {
    return await spec.run({ ...context, name, args: words.slice(1), table: RESP_COMMAND_TABLE });
  } catch (error) {
    if (error instanceof RespUsageError) return reply.error(error.message);
    return respErrorOf(error, spec.flags.includes('write') ? 'write' : 'read');
  }
}
