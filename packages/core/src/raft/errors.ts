/** ConfigErrorCode names each way a configuration can be invalid. */
export type ConfigErrorCode =
  | 'INVALID_ID'
  | 'INVALID_ELECTION_TICKS'
  | 'INVALID_HEARTBEAT_TICKS'
  | 'HEARTBEAT_NOT_LESS_THAN_ELECTION'
  | 'TICK_TOO_SMALL'
  | 'INVALID_LIMIT'
  | 'MISSING_SELF'
  | 'INVALID_MEMBER_ID'
  | 'DUPLICATE_MEMBER'
  | 'NO_VOTERS'
  | 'LEASE_WITHOUT_CHECK_QUORUM';

/**
 * ConfigError is thrown before anything runs when a configuration cannot work. `code` is stable
 * and meant for programs; `message` is for people.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
