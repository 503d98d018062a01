/**
 * The options of `raftkit start`: every flag also comes from a JSON config file (`--config`, keys
 * in kebab-case or camelCase) and from `RAFTKIT_*` environment variables (`--tick-ms` is
 * `RAFTKIT_TICK_MS`). Precedence: flags > environment > config file > defaults.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatAddress, parseAddress, type Address } from './address.js';
import { parseCluster, type ClusterMember } from './cluster.js';
import { parsePeerAddress } from './peer-address.js';
import { peerTlsFiles, type PeerTlsFiles } from './peer-tls.js';
import { NodeConfigError } from './errors.js';
import { nodeIdProblem } from './node-id.js';
import { resolveSecret } from './secret.js';

/** LOG_LEVELS are pino's levels, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_FORMATS: `json` (one JSON object a line, for collectors) or `pretty` (for a terminal). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** StartOptions is the resolved configuration of one node. */
export interface StartOptions {
  readonly id: string;
  readonly dataDir: string;
  readonly peerListen: Address;
  readonly httpListen: Address;
  /** The peer address other nodes dial (default: `peerListen`). */
  readonly peerAdvertise: string;
  /** The HTTP address clients are sent to (default: `httpListen`). */
  readonly httpAdvertise: string;
  /** Bootstrap members (`--cluster`); ignored when the data directory holds state. */
  readonly cluster: readonly ClusterMember[] | undefined;
  /** HTTP address of a member to ask for admission (`--join`). */
  readonly join: string | undefined;
  /** With `--join`: stay a learner. */
  readonly learner: boolean;
  /** With `--join`: the API token (admin role) sent to a member that has `--tokens-file`. */
  readonly joinToken: string | undefined;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly snapshotEntries: number;
  readonly snapshotTrailing: number;
  readonly requestTimeoutMs: number;
  /** The peer secret (`--secret-file`, `RAFTKIT_SECRET`, the config file, or argv); undefined only with `insecure`. */
  readonly secret: string | undefined;
  /** `--insecure`: run without a peer secret (warned about at every start). */
  readonly insecure: boolean;
  /** `--tokens-file`: the API's bearer tokens; undefined = the API is open. */
  readonly tokensFile: string | undefined;
  /** `--tls-cert` / `--tls-key`: serve HTTPS and wss:// on --http-listen. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** HTTP: time to receive a request's headers / a whole request before 408, in ms. */
  readonly httpHeadersTimeoutMs: number;
  readonly httpRequestTimeoutMs: number;
  /** Open connections accepted on --http-listen (HTTP and /v1/ws together). */
  readonly maxConnections: number;
  /** Things about the configuration the node warns about at start (a secret on argv). */
  readonly warnings: readonly string[];
  /** Mutual TLS between peers (`--peer-tls-cert/-key/-ca`): the PEM files, resolved against cwd. */
  readonly peerTls?: PeerTlsFiles | undefined;
  readonly leaseReads: boolean;
  readonly maxBody: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Where the Redis-protocol (RESP) front listens (`--resp-listen`); undefined: not served. */
  readonly respListen: Address | undefined;
  /** `--machine`: absolute path of the module whose state machine this node hosts; undefined: the KV store. */
  readonly machine: string | undefined;
}

type Kind = 'string' | 'integer' | 'boolean';

interface OptionSpec {
  readonly kind: Kind;
  readonly value?: string;
  readonly description: string;
}

/** START_OPTIONS documents every flag of `raftkit start` (the help text is made from it). */
export const START_OPTIONS = {
  config: { kind: 'string', value: 'FILE', description: 'JSON file with any of these options (keys as flags, kebab-case or camelCase)' },
  id: { kind: 'string', value: 'ID', description: 'this node\'s id (required)' },
  data: { kind: 'string', value: 'DIR', description: 'data directory (default ./data/<id>)' },
  'peer-listen': { kind: 'string', value: 'HOST:PORT', description: 'peer transport address (default 127.0.0.1:7001)' },
  'http-listen': { kind: 'string', value: 'HOST:PORT', description: 'HTTP + client WebSocket address (default 127.0.0.1:8001)' },
  'peer-advertise': { kind: 'string', value: 'HOST:PORT', description: 'peer address other nodes dial (default --peer-listen)' },
  'http-advertise': { kind: 'string', value: 'HOST:PORT', description: 'HTTP address clients are redirected to (default --http-listen)' },
  cluster: { kind: 'string', value: 'ID=HOST:PORT,...', description: 'bootstrap a new cluster with these voters (ignored when --data holds state)' },
  join: { kind: 'string', value: 'HOST:PORT', description: 'join the running cluster of the member at this HTTP address' },
  learner: { kind: 'boolean', description: 'with --join: stay a learner (never vote)' },
  'join-token': { kind: 'string', value: 'TOKEN', description: 'with --join: admin API token for a cluster with --tokens-file (prefer RAFTKIT_JOIN_TOKEN)' },
  'tick-ms': { kind: 'integer', value: 'MS', description: 'milliseconds per Raft tick (default 100)' },
  'election-ticks': { kind: 'integer', value: 'N', description: 'election timeout in ticks, randomized in [N, 2N) (default 10)' },
  'heartbeat-ticks': { kind: 'integer', value: 'N', description: 'heartbeat interval in ticks (default 1)' },
  'snapshot-entries': { kind: 'integer', value: 'N', description: 'snapshot after N applied entries (default 10000)' },
  'snapshot-trailing': { kind: 'integer', value: 'N', description: 'entries kept behind a snapshot (default min(N, 1000))' },
  'request-timeout-ms': { kind: 'integer', value: 'MS', description: 'a request not answered by then gets 504 (default 5000)' },
  secret: { kind: 'string', value: 'SECRET', description: 'shared secret peers authenticate with; on argv it shows in `ps`: prefer --secret-file or RAFTKIT_SECRET' },
  'secret-file': { kind: 'string', value: 'FILE', description: 'file holding the peer secret (the documented way; a secret is required unless --insecure)' },
  insecure: { kind: 'boolean', description: 'run without a peer secret: any host that reaches --peer-listen is a peer (warned at every start)' },
  'tokens-file': { kind: 'string', value: 'FILE', description: 'API bearer tokens, lines `ROLE TOKEN` (read | write | admin), reloaded on SIGHUP; without it the API is open' },
  'tls-cert': { kind: 'string', value: 'FILE', description: 'PEM certificate: serve HTTPS and wss:// on --http-listen (with --tls-key)' },
  'tls-key': { kind: 'string', value: 'FILE', description: 'PEM private key of --tls-cert' },
  'http-headers-timeout-ms': { kind: 'integer', value: 'MS', description: 'a client sending its request headers slower gets 408 (default 10000)' },
  'http-request-timeout-ms': { kind: 'integer', value: 'MS', description: 'a client sending its whole request slower gets 408 (default 30000)' },
  'max-connections': { kind: 'integer', value: 'N', description: 'open connections accepted on --http-listen, /v1/ws included (default 1024)' },
  'peer-tls-cert': { kind: 'string', value: 'FILE', description: 'PEM certificate this node shows peers (mutual TLS with --peer-tls-key and --peer-tls-ca)' },
  'peer-tls-key': { kind: 'string', value: 'FILE', description: 'PEM private key of --peer-tls-cert' },
  'peer-tls-ca': { kind: 'string', value: 'FILE', description: 'PEM CA that signs every peer certificate; others are refused before the handshake' },
  'lease-reads': { kind: 'boolean', description: 'serve linearizable reads from the leader\'s lease (set on every node)' },
  'max-body': { kind: 'integer', value: 'BYTES', description: 'largest request body; larger gets 413 (default 1048576)' },
  'log-level': { kind: 'string', value: 'LEVEL', description: `${LOG_LEVELS.join(' | ')} (default info)` },
  'log-format': { kind: 'string', value: 'FORMAT', description: 'json (a JSON object a line, ISO times) | pretty (for a terminal) (default json)' },
  'resp-listen': { kind: 'string', value: 'HOST:PORT', description: 'serve the Redis protocol (RESP2/RESP3) on the KV store here (default: off)' },
  machine: { kind: 'string', value: 'MODULE', description: 'host this state machine (a module exporting its factory) instead of the KV store' },
} as const satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof START_OPTIONS;
type RawValue = string | number | boolean;
type RawOptions = Partial<Record<OptionName, RawValue>>;

const NAMES = Object.keys(START_OPTIONS) as OptionName[];

/** envName is the environment variable of a flag: `tick-ms` → `RAFTKIT_TICK_MS`. */
export function envName(name: string): string {
  return `RAFTKIT_${name.toUpperCase().replaceAll('-', '_')}`;
}

/** kebab turns a camelCase config key into the flag name. */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** parseFlags reads the flags of `raftkit start`. Throws UNKNOWN_FLAG / MISSING_VALUE. */
function parseFlags(argv: readonly string[]): RawOptions {
  const options = Object.fromEntries(NAMES.map((name) => [name, { type: START_OPTIONS[name].kind === 'boolean' ? 'boolean' : 'string' }])) as Record<
    OptionName,
    { type: 'string' | 'boolean' }
  >;
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return values as RawOptions;
  } catch (error) {
    throw cliError(error);
  }
}

/** cliError turns a node:util parseArgs error into a NodeConfigError. */
export function cliError(error: unknown): NodeConfigError {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new NodeConfigError('UNKNOWN_FLAG', message);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new NodeConfigError('MISSING_VALUE', message);
  return new NodeConfigError('INVALID_VALUE', message);
}

/** readEnvironment picks the `RAFTKIT_*` variables of known options; others are ignored. */
function readEnvironment(env: Readonly<Record<string, string | undefined>>): RawOptions {
  const raw: RawOptions = {};
  for (const name of NAMES) {
    const value = env[envName(name)];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  return raw;
}

/** readConfigFile reads a JSON object of options. Throws CONFIG_FILE / UNKNOWN_FLAG. */
function readConfigFile(path: string): RawOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NodeConfigError('CONFIG_FILE', `cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new NodeConfigError('CONFIG_FILE', `${path} is not a JSON object`);
  const raw: RawOptions = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const name = kebab(key) as OptionName;
    if (!NAMES.includes(name) || name === 'config') throw new NodeConfigError('UNKNOWN_FLAG', `${path}: unknown option ${JSON.stringify(key)}`);
    if (name === 'cluster' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // The cluster may also be written as { "n1": "host:port", ... }.
      raw.cluster = Object.entries(value as Record<string, unknown>)
        .map(([id, address]) => `${id}=${String(address)}`)
        .join(',');
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      raw[name] = value;
    } else {
      throw new NodeConfigError('INVALID_VALUE', `${path}: option ${JSON.stringify(key)} must be a string, number or boolean`);
    }
  }
  return raw;
}

/** Where the raw options come from. */
export interface OptionSources {
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths (data, config) are resolved against. Default: the process's. */
  readonly cwd?: string;
}

/**
 * resolveStartOptions merges flags > environment > config file > defaults and validates the
 * result. Throws NodeConfigError.
 */
export function resolveStartOptions(sources: OptionSources): StartOptions {
  const env = sources.env ?? {};
  const flags = parseFlags(sources.argv);
  const fromEnv = readEnvironment(env);
  const configPath = flags.config ?? fromEnv.config;
  const fromFile = configPath === undefined ? {} : readConfigFile(resolve(sources.cwd ?? '.', String(configPath)));
  const raw: RawOptions = { ...fromFile, ...fromEnv, ...flags };

  const text = (name: OptionName): string | undefined => {
    const value = raw[name];
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') throw new NodeConfigError('INVALID_VALUE', `--${name} needs a value`);
    return String(value);
  };
  const integer = (name: OptionName, fallback: number, min: number): number => {
    const value = raw[name];
    if (value === undefined) return fallback;
    const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min) throw new NodeConfigError('INVALID_VALUE', `--${name} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
    return number;
  };
  const boolean = (name: OptionName): boolean => {
    const value = raw[name];
    if (value === undefined) return false;
    if (typeof value === 'boolean') return value;
    const normalized = String(value).trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
    if (['false', '0', 'no', 'off'].includes(normalized)) return false;
    throw new NodeConfigError('INVALID_VALUE', `--${name} must be true or false, got ${JSON.stringify(value)}`);
  };

  const id = text('id')?.trim();
  if (id === undefined || id === '') throw new NodeConfigError('MISSING_ID', '--id is required (or RAFTKIT_ID, or "id" in the config file)');
  const idProblem = nodeIdProblem(id);
  if (idProblem !== undefined) throw new NodeConfigError('INVALID_ID', `--id: ${idProblem}`);
  const peerListen = parseAddress(text('peer-listen') ?? '127.0.0.1:7001', '--peer-listen');
  const httpListen = parseAddress(text('http-listen') ?? '127.0.0.1:8001', '--http-listen');
  const peerAdvertise = text('peer-advertise');
  const httpAdvertise = text('http-advertise');
  const clusterText = text('cluster');
  const cluster = clusterText === undefined ? undefined : parseCluster(clusterText);
  if (cluster !== undefined && !cluster.some((member) => member.id === id)) {
    throw new NodeConfigError('MISSING_SELF', `--cluster does not name this node (${id}): ${clusterText}`);
  }
  // An https:// member keeps its scheme; a bare host:port is plain HTTP.
  const joinAddress = text('join')?.replace(/^http:\/\//, '').replace(/\/+$/, '');
  if (joinAddress !== undefined) parseAddress(joinAddress.replace(/^https:\/\//, ''), '--join');
  if (cluster !== undefined && joinAddress !== undefined) throw new NodeConfigError('CONFLICTING_FLAGS', '--cluster bootstraps a new cluster and --join joins a running one: give one');
  const learner = boolean('learner');
  if (learner && joinAddress === undefined) throw new NodeConfigError('CONFLICTING_FLAGS', '--learner only applies with --join');
  const tickMs = integer('tick-ms', 100, 1);
  const electionTicks = integer('election-ticks', 10, 2);
  const heartbeatTicks = integer('heartbeat-ticks', 1, 1);
  if (heartbeatTicks >= electionTicks) throw new NodeConfigError('INVALID_VALUE', `--heartbeat-ticks (${heartbeatTicks}) must be less than --election-ticks (${electionTicks})`);
  const snapshotEntries = integer('snapshot-entries', 10_000, 1);
  const snapshotTrailing = integer('snapshot-trailing', Math.min(snapshotEntries, 1000), 0);
  const warnings: string[] = [];
  // The secret's two forms share one precedence: a --secret-file flag beats RAFTKIT_SECRET.
  const secretLevel = [flags, fromEnv, fromFile].find((level) => level.secret !== undefined || level['secret-file'] !== undefined) ?? {};
  const secretText = (name: 'secret' | 'secret-file') => (secretLevel[name] === undefined ? undefined : String(secretLevel[name]));
  const secret = resolveSecret(secretText('secret'), secretText('secret-file'), sources.cwd ?? '.');
  if (flags.secret !== undefined) warnings.push('the peer secret was given on the command line, where `ps` shows it to every local user: use --secret-file or RAFTKIT_SECRET');
  const insecure = boolean('insecure');
  if (flags['join-token'] !== undefined) warnings.push('the join token was given on the command line, where `ps` shows it to every local user: use RAFTKIT_JOIN_TOKEN');
  const tlsCert = text('tls-cert');
  const tlsKey = text('tls-key');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new NodeConfigError('CONFLICTING_FLAGS', '--tls-cert and --tls-key go together');
  const tokensFile = text('tokens-file');
  const peerTlsFile = () => {
    const path = (name: OptionName) => {
      const value = text(name);
      return value === undefined ? undefined : resolve(sources.cwd ?? '.', value);
    };
    return peerTlsFiles(path('peer-tls-cert'), path('peer-tls-key'), path('peer-tls-ca'));
  };
  const logLevel = (text('log-level') ?? 'info') as LogLevel;
  const respListen = text('resp-listen');
  if (respListen !== undefined && text('machine') !== undefined) throw new NodeConfigError('CONFLICTING_FLAGS', '--resp-listen serves the KV store, which a --machine node does not host: give one');
  if (!LOG_LEVELS.includes(logLevel)) throw new NodeConfigError('INVALID_VALUE', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  const logFormat = (text('log-format') ?? 'json') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new NodeConfigError('INVALID_VALUE', `--log-format must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(logFormat)}`);
  const resolved: StartOptions = {
    id,
    dataDir: resolve(sources.cwd ?? '.', text('data') ?? join('data', id)),
    peerListen,
    httpListen,
    peerAdvertise: peerAdvertise === undefined ? formatAddress(peerListen) : parsePeerAddress(peerAdvertise, '--peer-advertise'),
    httpAdvertise: httpAdvertise === undefined ? formatAddress(httpListen) : formatAddress(parseAddress(httpAdvertise, '--http-advertise')),
    cluster,
    join: joinAddress,
    learner,
    joinToken: text('join-token'),
    tickMs,
    electionTicks,
    heartbeatTicks,
    snapshotEntries,
    snapshotTrailing,
    requestTimeoutMs: integer('request-timeout-ms', 5000, 1),
    secret,
    insecure,
    tokensFile: tokensFile === undefined ? undefined : resolve(sources.cwd ?? '.', tokensFile),
    tls: tlsCert === undefined || tlsKey === undefined ? undefined : { certFile: resolve(sources.cwd ?? '.', tlsCert), keyFile: resolve(sources.cwd ?? '.', tlsKey) },
    httpHeadersTimeoutMs: integer('http-headers-timeout-ms', 10_000, 1),
    httpRequestTimeoutMs: integer('http-request-timeout-ms', 30_000, 1),
    maxConnections: integer('max-connections', 1024, 1),
    warnings,
    peerTls: peerTlsFile(),
    leaseReads: boolean('lease-reads'),
    maxBody: integer('max-body', 1024 * 1024, 1),
    logLevel,
    logFormat,
    respListen: respListen === undefined ? undefined : parseAddress(respListen, '--resp-listen'),
    machine: text('machine') === undefined ? undefined : resolve(sources.cwd ?? '.', text('machine')!),
  };
  // Last, so a command line with other mistakes reports those first.
  if (secret === undefined && !insecure) {
    throw new NodeConfigError('MISSING_SECRET', 'peers authenticate with a shared secret: give --secret-file FILE (or RAFTKIT_SECRET), or --insecure to run without one');
  }
  return resolved;
}

/** startUsage is the help text of `raftkit start`, made from START_OPTIONS. */
export function startUsage(): string {
  const lines = NAMES.map((name) => {
    const spec: OptionSpec = START_OPTIONS[name];
    const flag = `--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;
    return `  ${flag.padEnd(36)} ${spec.description}`;
  });
  return `raftkit start [options]\n\nEvery option also from the config file and from RAFTKIT_<NAME> (e.g. RAFTKIT_TICK_MS).\nPrecedence: flags > environment > config file > defaults.\n\n${lines.join('\n')}\n`;
}
