/**
 * Redis's error texts, and how the node's OperationError reads over RESP. The first word of a
 * RESP error is its kind; clients switch on it, so the two outcomes a write can have stay apart:
 *
 * - `-TRYAGAIN ...`: CERTAINLY NOT APPLIED (no leader, not a member, shutting down). Safe to
 *   retry, on this node or another.
 * - `-UNCERTAIN ...`: OUTCOME UNKNOWN (the write timed out or the leader was lost after it was
 *   appended). It may or may not have applied: read before retrying a non-idempotent write.
 */
import { OperationError } from '../operation-error.js';
import { operationErrorOf } from '../raft-errors.js';
import { reply, type RespReply } from './resp-reply.js';

/** The Redis error texts the command handlers use (Redis 7 wording). */
export const RESP_ERRORS = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  noPasswordConfigured: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  dbOutOfRange: 'ERR DB index is out of range',
  noProto: 'NOPROTO unsupported protocol version',
  wrongArity: (name: string) => `ERR wrong number of arguments for '${name.toLowerCase()}' command`,
  invalidExpire: (name: string) => `ERR invalid expire time in '${name.toLowerCase()}' command`,
  unknownSubcommand: (sub: string, command: string) => `ERR unknown subcommand '${sub}'. Try ${command.toUpperCase()} HELP.`,
  noPermission: (role: string, name: string) => `NOPERM this token (role ${role}) has no permissions to run the '${name.toLowerCase()}' command`,
  /** Redis: "unknown command 'foo', with args beginning with: 'a' 'b' " (a space after each argument). */
  unknownCommand: (name: string, args: readonly Buffer[]) =>
    `ERR unknown command '${clip(name)}', with args beginning with: ${args
      .slice(0, 16)
      .map((argument) => `'${clip(argument.toString('latin1'))}' `)
      .join('')}`,
} as const;

function clip(text: string): string {
  return text.length > 128 ? `${text.slice(0, 128)}...` : text;
}

/** RespUsageError: the command's arguments are wrong; `message` is the Redis error text to answer. */
export class RespUsageError extends Error {
  override readonly name = 'RespUsageError';
  readonly code = 'USAGE';
}

/** respErrorOf turns what an operation failed with into the RESP error a client sees. */
export function respErrorOf(error: unknown, effect: 'read' | 'write'): RespReply {
  const failure: OperationError = operationErrorOf(error);
  const hint = failure.leader === null ? '' : ` (leader hint: ${failure.leader})`;
  switch (failure.code) {
    case 'NO_LEADER':
    case 'NOT_MEMBER':
    case 'SHUTTING_DOWN':
      return reply.error(`TRYAGAIN ${failure.code}: certainly not applied; retry. ${failure.message}${hint}`);
    case 'TIMEOUT':
    case 'OUTCOME_UNKNOWN':
      // A read changes nothing: a lost read is simply not answered, and may be retried.
      if (effect === 'read') return reply.error(`TRYAGAIN ${failure.code}: the read was not answered; retry. ${failure.message}`);
      return reply.error(`UNCERTAIN ${failure.code}: the write may or may not have applied. ${failure.message}`);
    case 'BAD_REQUEST':
    case 'TOO_LARGE':
      return reply.error(`ERR ${failure.message}`);
    default:
      return reply.error(`ERR ${failure.code}: ${failure.message}`);
  }
}
