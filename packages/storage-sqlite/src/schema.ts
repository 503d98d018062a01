/**
 * The database schema and how a file moves from one schema version to the next.
 *
 * A file is ours when SQLite's header carries APPLICATION_ID (`PRAGMA application_id`, offset 68
 * of the file: `file(1)` and other tools read it too). Its version is the one row of
 * `schema_version`. Opening runs every migration after that version, each in its own transaction
 * together with the version bump, so a crash mid-upgrade leaves the file at a whole version.
 */
import type Database from 'better-sqlite3';

/** APPLICATION_ID marks a raftkit log file: the ASCII bytes "RAFT". */
export const APPLICATION_ID = 0x52414654;

/** Migration upgrades a file from `version - 1` to `version`. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  /** up changes the schema; it runs inside a transaction the caller commits. */
  up(database: Database.Database): void;
}

/**
 * MIGRATIONS, oldest first; the last one's version is the version this code writes. Append new
 * ones; never edit one that shipped (files out there were made by it).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'log entries, hard state, snapshot metadata and chunked snapshot data, each row checksummed',
    up(database) {
      database.exec(`
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version (version) VALUES (0);
        -- log_index is the rowid: appends and range deletes walk one B-tree.
        CREATE TABLE entries (
          log_index INTEGER PRIMARY KEY,
          term INTEGER NOT NULL,
          type INTEGER NOT NULL,
          data BLOB NOT NULL,
          checksum INTEGER NOT NULL
        );
        CREATE TABLE hard_state (
          id INTEGER PRIMARY KEY CHECK (id = 0),
          term INTEGER NOT NULL,
          vote TEXT,
          commit_index INTEGER NOT NULL,
          checksum INTEGER NOT NULL
        );
        -- The one current snapshot. Its chunks are the snapshot_chunks rows of its generation;
        -- rows of other generations are a save in progress or a copy a reader still streams.
        CREATE TABLE snapshot (
          id INTEGER PRIMARY KEY CHECK (id = 0),
          generation INTEGER NOT NULL,
          log_index INTEGER NOT NULL,
          term INTEGER NOT NULL,
          config TEXT NOT NULL,
          chunk_count INTEGER NOT NULL,
          checksum INTEGER NOT NULL
        );
        CREATE TABLE snapshot_chunks (
          generation INTEGER NOT NULL,
          sequence INTEGER NOT NULL,
          data BLOB NOT NULL,
          checksum INTEGER NOT NULL,
          PRIMARY KEY (generation, sequence)
        );
      `);
    },
  },
];

/** TABLES are the tables the current schema MUST have; a file of ours missing one is foreign. */
export const TABLES = ['schema_version', 'entries', 'hard_state', 'snapshot', 'snapshot_chunks'] as const;

/** latestVersion is the schema version `migrations` ends at. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}
