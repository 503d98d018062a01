/**
 * RespCommandSpec: one row of the command table. The row says everything the server checks before
 * running the handler (arity, who may run it) and everything COMMAND and COMMAND DOCS report, so
 * what redis-cli's hints show is what the server enforces.
 */
import type { RespBackend, TokenStore } from './resp-backend.js';
import type { RespProtocolVersion, RespReply } from './resp-reply.js';

/**
 * RespAccess is who may run a command when API tokens are configured: `connection` commands need
 * an authenticated connection (any role), `read` the read role or more, `write` the write role or
 * more. `no-auth` commands run before AUTH (AUTH itself, HELLO, QUIT).
 */
export type RespAccess = 'no-auth' | 'connection' | 'read' | 'write';

/** RespConnectionState is what a connection remembers between commands. */
export interface RespConnectionState {
  /** CLIENT ID: unique per server, increasing. */
  readonly id: number;
  protocol: RespProtocolVersion;
  /** CLIENT SETNAME. */
  name: string | null;
  /** The role the connection authenticated with (AUTH); undefined until then. Unused when the API is open. */
  role: 'read' | 'write' | 'admin' | undefined;
  /** Set by QUIT: the server closes the connection once this reply is written. */
  closeAfterReply: boolean;
}

/** RespServerInfo is what INFO and HELLO say about the server itself. */
export interface RespServerInfo {
  readonly port: number;
  readonly startedAtMs: number;
  connectedClients(): number;
}

/** RespCall is one command being run: its arguments (the name excluded) and its surroundings. */
export interface RespCall {
  /** The command name as the client wrote it. */
  readonly name: string;
  readonly args: readonly Buffer[];
  readonly connection: RespConnectionState;
  readonly backend: RespBackend;
  /** The API tokens, when configured (see TokenStore). */
  readonly tokens: TokenStore | undefined;
  readonly server: RespServerInfo;
  /** Every command, for COMMAND and COMMAND DOCS. */
  readonly table: ReadonlyMap<string, RespCommandSpec>;
}

/** RespArgumentDoc describes one argument for COMMAND DOCS (what redis-cli turns into hints). */
export interface RespArgumentDoc {
  readonly name: string;
  readonly type: 'key' | 'string' | 'integer' | 'pure-token' | 'oneof' | 'block';
  readonly token?: string;
  readonly optional?: boolean;
  readonly multiple?: boolean;
  readonly arguments?: readonly RespArgumentDoc[];
}

/** RespCommandSpec is one command. */
export interface RespCommandSpec {
  /** Lower case, as COMMAND reports it. */
  readonly name: string;
  /** Redis's convention: N exactly N words (the name counted), -N at least N. */
  readonly arity: number;
  /** COMMAND's flags (write, readonly, fast, ...). */
  readonly flags: readonly string[];
  /** Key positions for COMMAND: first, last (-1 = the last argument), step. 0, 0, 0 for none. */
  readonly keys: readonly [number, number, number];
  readonly access: RespAccess;
  /** COMMAND DOCS: group (string, generic, connection, server), summary, since, complexity. */
  readonly group: string;
  readonly summary: string;
  readonly since: string;
  readonly complexity?: string;
  readonly arguments: readonly RespArgumentDoc[];
  readonly run: (call: RespCall) => RespReply | Promise<RespReply>;
}
