/**
 * `raftkit snapshot save FILE [--endpoints A,B,C]`: streams a consistent backup from the first
 * member that gives one (GET /v1/snapshot) into FILE, verified before it is kept (written to
 * FILE.part, checked, then renamed). `raftkit snapshot restore FILE --data DIR --id ID --cluster
 * ...`: seeds a new node from it (backup/restore-backup.ts).
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { BackupError, verifyBackup } from '../backup/backup-format.js';
import { restoreBackup } from '../backup/restore-backup.js';
import { baseUrl } from '../http-client.js';
import { endpointsOf, tokenOf, type Output } from './admin.js';
import { parseCluster } from './cluster.js';
import { NodeConfigError } from './errors.js';
import { cliError } from './start-options.js';

/** A backup of a large state takes a while; past this much silence it is abandoned. */
const SAVE_TIMEOUT_MS = 30 * 60_000;

/** runSnapshot runs `snapshot save|restore` and returns the exit code. */
export async function runSnapshot(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, output: Output, cwd: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { endpoints: { type: 'string' }, http: { type: 'string' }, data: { type: 'string' }, id: { type: 'string' }, cluster: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw cliError(error);
  }
  const { values, positionals } = parsed;
  const [sub, file, ...rest] = positionals;
  if (sub !== 'save' && sub !== 'restore') throw new NodeConfigError('UNKNOWN_COMMAND', `snapshot ${sub ?? ''}: expected save or restore`);
  if (file === undefined || rest.length > 0) throw new NodeConfigError('MISSING_VALUE', `snapshot ${sub} needs exactly one FILE`);
  const path = resolve(cwd, file);
  if (sub === 'save') return save(path, endpointsOf(values, env), tokenOf(env).token, output);

  if (values.id === undefined || values.id === '') throw new NodeConfigError('MISSING_ID', 'snapshot restore needs --id');
  if (values.data === undefined) throw new NodeConfigError('MISSING_VALUE', 'snapshot restore needs --data DIR');
  if (values.cluster === undefined) throw new NodeConfigError('MISSING_VALUE', 'snapshot restore needs --cluster ID=HOST:PORT,...');
  try {
    const restored = await restoreBackup({ file: path, dataDir: resolve(cwd, values.data), id: values.id, cluster: parseCluster(values.cluster) });
    output.out(`${JSON.stringify({ restored: true, id: values.id, clusterId: restored.clusterId, index: restored.index, term: restored.term, from: { clusterId: restored.header.clusterId, createdAt: restored.header.createdAt } }, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof BackupError) {
      output.err(`raftkit: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function save(path: string, endpoints: readonly string[], token: string | undefined, output: Output): Promise<number> {
  const partial = `${path}.part`;
  const problems: string[] = [];
  for (const endpoint of endpoints) {
    try {
      const response = await fetch(`${baseUrl(endpoint)}/v1/snapshot`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(SAVE_TIMEOUT_MS) });
      if (response.status !== 200 || response.body === null) {
        problems.push(`${endpoint}: ${response.status} ${(await response.text()).trim()}`);
        continue;
      }
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(partial));
      const backup = verifyBackup(partial);
      renameSync(partial, path);
      const { index, term, config, clusterId, createdAt } = backup.header;
      output.out(`${JSON.stringify({ saved: path, from: endpoint, index, term, clusterId, createdAt, voters: config.voters, learners: config.learners, bytes: backup.bodyBytes }, null, 2)}\n`);
      return 0;
    } catch (error) {
      rmSync(partial, { force: true });
      problems.push(`${endpoint}: ${(error as Error).message}`);
    }
  }
  output.out(`${JSON.stringify({ error: { code: 'UNREACHABLE', message: `no endpoint gave a backup: ${problems.join('; ')}` } }, null, 2)}\n`);
  return 1;
}
