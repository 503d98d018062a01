/**
 * NodeConfigError: the node's configuration (flags, config file, `RAFTKIT_*` environment) cannot
 * work. Thrown before anything is opened or listened on, so a bad start changes nothing.
 */

/** NodeConfigErrorCode names each way the configuration can be wrong. */
export type NodeConfigErrorCode =
  /** A flag (or config file key) this command does not know. */
  | 'UNKNOWN_FLAG'
  /** A flag that needs a value was given none. */
  | 'MISSING_VALUE'
  /** A value of the wrong kind (not a positive integer, not a known level...). */
  | 'INVALID_VALUE'
  /** `--id` is missing or empty. */
  | 'MISSING_ID'
  /** A node id outside `[A-Za-z0-9._-]{1,64}`. */
  | 'INVALID_ID'
  /** No peer secret and no `--insecure`. */
  | 'MISSING_SECRET'
  /** `--secret-file`, `--tokens-file` or a TLS file cannot be read or is malformed. */
  | 'UNREADABLE_FILE'
  /** Not `host:port` with a port in 0–65535. */
  | 'INVALID_ADDRESS'
  /** `--cluster` is not `id=host:port,...` with distinct ids. */
  | 'INVALID_CLUSTER'
  /** `--cluster` does not name this node's `--id`. */
  | 'MISSING_SELF'
  /** Flags that exclude each other (`--cluster` and `--join`). */
  | 'CONFLICTING_FLAGS'
  /** The config file cannot be read or is not a JSON object. */
  | 'CONFIG_FILE'
  /** The data directory belongs to another node id. */
  | 'DATA_DIR_MISMATCH'
  /** `--join`: the member could not be asked (unreachable, or it refused). */
  | 'JOIN_FAILED'
  /** No such command. */
  | 'UNKNOWN_COMMAND'
  /** `--machine`: the module cannot be loaded or exports no state machine factory. */
  | 'INVALID_MACHINE';

/** NodeConfigError carries a `code` so scripts and tests can tell the cases apart. */
export class NodeConfigError extends Error {
  override readonly name = 'NodeConfigError';
  constructor(
    readonly code: NodeConfigErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
