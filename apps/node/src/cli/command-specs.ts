/**
 * What each `raftkit` command takes, for `raftkit <command> --help` and the top-level help: its
 * synopsis, a summary, and every flag with its default and environment variable. The flags of
 * `raftkit start` are not here: their one source is START_OPTIONS (start-options.ts).
 */

/** FlagSpec documents one flag. */
export interface FlagSpec {
  /** The flag without dashes (`endpoints`). */
  readonly name: string;
  /** A one-letter alias (`o` for `-o`). */
  readonly short?: string;
  /** The value's placeholder (`HOST:PORT,...`); absent for a boolean flag. */
  readonly value?: string;
  readonly description: string;
  readonly defaultValue?: string;
  /** The environment variable the flag falls back to. */
  readonly env?: string;
  readonly required?: boolean;
}

/** CommandSpec documents one command (or sub-command: `members add`). */
export interface CommandSpec {
  /** The words after `raftkit` (`members add`). */
  readonly name: string;
  /** Positional arguments in the synopsis (`ID`). */
  readonly arguments?: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** More to say after the flags. */
  readonly notes?: string;
}

/** ENDPOINT_FLAGS are the flags of every command that talks to a running cluster. */
export const ENDPOINT_FLAGS: readonly FlagSpec[] = [
  { name: 'endpoints', value: 'HOST:PORT,...', description: 'HTTP addresses (or https:// URLs) of members, tried in order; the leader is followed when one names it', env: 'RAFTKIT_ENDPOINTS' },
  { name: 'http', value: 'HOST:PORT', description: 'one member\'s HTTP address (the same as --endpoints with one address)', defaultValue: '127.0.0.1:8001', env: 'RAFTKIT_HTTP' },
];

/** TOKEN_NOTE: how admin commands authenticate to a node with --tokens-file. */
export const TOKEN_NOTE = 'A node with --tokens-file needs an API token: set RAFTKIT_TOKEN (never on the command line). An https:// node with a private CA is trusted through NODE_EXTRA_CA_CERTS.';

/** OUTPUT_FLAG chooses how answers are printed. */
export const OUTPUT_FLAG: FlagSpec = { name: 'output', short: 'o', value: 'json|table', description: 'print the answer as JSON or as a table for people', defaultValue: 'json', env: 'RAFTKIT_OUTPUT' };

const ADMIN_FLAGS = [...ENDPOINT_FLAGS, OUTPUT_FLAG];

/** COMMANDS lists every command but `start`, in the order the top-level help shows them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'dev',
    summary: 'run a local cluster in this terminal (data under --data-root); prints each node\'s URL; Ctrl-C stops it',
    flags: [
      { name: 'nodes', value: 'N', description: 'how many nodes (1-9)', defaultValue: '3' },
      { name: 'data-root', value: 'DIR', description: 'directory holding each node\'s data', defaultValue: './.raftkit' },
      { name: 'peer-port', value: 'PORT', description: 'first node\'s peer port; the others count up', defaultValue: '7001' },
      { name: 'http-port', value: 'PORT', description: 'first node\'s HTTP port; the others count up', defaultValue: '8001' },
      { name: 'resp-port', value: 'PORT', description: 'first node\'s Redis-protocol port; the others count up; 0 turns RESP off', defaultValue: '6379' },
      { name: 'tick-ms', value: 'MS', description: 'milliseconds per Raft tick', defaultValue: '100' },
      { name: 'log-level', value: 'LEVEL', description: 'the nodes\' log level (logs are printed pretty)', defaultValue: 'warn' },
    ],
  },
  { name: 'status', summary: 'the status of the first member that answers (always its local view)', flags: ADMIN_FLAGS },
  { name: 'members list', summary: 'every member with its role and its peer and HTTP addresses', flags: ADMIN_FLAGS },
  {
    name: 'members add',
    arguments: 'ID',
    summary: 'add a member: as a learner, promoted to voter once caught up (unless --learner)',
    flags: [
      { name: 'peer-address', value: 'HOST:PORT', description: 'the new member\'s peer address', required: true },
      { name: 'http-address', value: 'HOST:PORT', description: 'the new member\'s HTTP address (shown by members list and the status page)' },
      { name: 'learner', description: 'keep it a learner (it never votes)' },
      ...ADMIN_FLAGS,
    ],
  },
  { name: 'members promote', arguments: 'ID', summary: 'promote a learner to voter once it has caught up', flags: ADMIN_FLAGS },
  { name: 'members remove', arguments: 'ID', summary: 'remove a member (the leader too: it steps down once the change commits)', flags: ADMIN_FLAGS },
  { name: 'leader transfer', summary: 'hand leadership over to --to, or to the most up-to-date voter', flags: [{ name: 'to', value: 'ID', description: 'the voter to hand over to' }, ...ADMIN_FLAGS] },
  {
    name: 'snapshot save',
    arguments: 'FILE',
    summary: 'write a consistent backup of the cluster\'s state (every write acknowledged so far) to FILE',
    flags: ENDPOINT_FLAGS,
    notes: 'The file holds the snapshot index, term and membership and a checksum. Restore it with raftkit snapshot restore.',
  },
  {
    name: 'snapshot restore',
    arguments: 'FILE',
    summary: 'seed a new node\'s data directory from a backup (run it on every node of the new cluster, then start them)',
    flags: [
      { name: 'data', value: 'DIR', description: 'the new node\'s data directory (must be empty)', required: true },
      { name: 'id', value: 'ID', description: 'the new node\'s id', required: true },
      { name: 'cluster', value: 'ID=HOST:PORT,...', description: 'the new cluster\'s voters and peer addresses', required: true },
    ],
    notes: 'A damaged or truncated file is refused (checksum) and nothing is written.',
  },
  {
    name: 'recover',
    summary: 'UNSAFE forced recovery after a majority is lost for good; the node must be stopped',
    flags: [
      { name: 'id', value: 'ID', description: 'this node\'s id', required: true },
      { name: 'data', value: 'DIR', description: 'its data directory', defaultValue: './data/<id>' },
      { name: 'members', value: 'ID=HOST:PORT,...', description: 'the voters it starts with', defaultValue: 'itself alone' },
    ],
  },
];

/** findCommand finds the spec of `words` (`['members', 'add']`), or undefined. */
export function findCommand(words: readonly string[]): CommandSpec | undefined {
  return COMMANDS.find((spec) => spec.name === words.slice(0, spec.name.split(' ').length).join(' '));
}

/** commandFamily lists the specs under a first word (`members` → list, add, promote, remove). */
export function commandFamily(first: string): CommandSpec[] {
  return COMMANDS.filter((spec) => spec.name.split(' ')[0] === first);
}
