/**
 * A program bundled with esbuild carries this package inline, so the default worker location
 * (`storage-worker.js` beside `sqlite-storage.js`) does not exist beside the bundle. The
 * `workerUrl` option points the storage at the worker, bundled as a file of its own from the
 * `@raftkit/storage-sqlite/worker` entry point. This test bundles a small program that way and
 * runs it under plain node against a real SQLite file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../src/test-support/temporary-directory.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
// Inside the package, so the bundle's external `better-sqlite3` resolves from its node_modules.
const output = join(packageRoot, 'test-results', `bundle-${process.pid}`);

const PROGRAM = `import { createSqliteStorage } from '@raftkit/storage-sqlite';
const directory = process.argv[2];
const workerUrl = new URL('./sqlite-worker.js', import.meta.url);
const first = createSqliteStorage({ directory, workerUrl });
await first.append([{ index: 1, term: 2, type: 'normal', data: new Uint8Array([4, 5, 6]) }], { hardState: { term: 2, vote: 'a', commit: 1 } });
await first.close();
const second = createSqliteStorage({ directory, workerUrl });
const { hardState, entries } = await second.load();
await second.close();
console.log(JSON.stringify({ hardState, entries: entries.map((e) => ({ ...e, data: [...e.data] })) }));
`;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('an esbuild bundle', () => {
  it('runs the storage with its worker bundled separately and found through workerUrl', async () => {
    cleanups.push(() => rmSync(output, { recursive: true, force: true }));
    mkdirSync(output, { recursive: true });
    writeFileSync(join(output, 'program.ts'), PROGRAM);
    await build({
      // The worker gets a name of its own, so the default location (storage-worker.js beside the
      // bundle) cannot be found by accident: only workerUrl leads to it.
      entryPoints: { program: join(output, 'program.ts'), 'sqlite-worker': '@raftkit/storage-sqlite/worker' },
      outdir: output,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // From this package's TypeScript source (the workspace's condition): no build needed first.
      conditions: ['@raftkit/source'],
      external: ['better-sqlite3'],
      logLevel: 'silent',
    });
    expect(existsSync(join(output, 'storage-worker.js'))).toBe(false);
    writeFileSync(join(output, 'package.json'), '{ "type": "module" }\n');

    const data = temporaryDirectory('bundle');
    cleanups.push(data.remove);
    const printed = execFileSync(process.execPath, [join(output, 'program.js'), data.path], { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({ hardState: { term: 2, vote: 'a', commit: 1 }, entries: [{ index: 1, term: 2, type: 'normal', data: [4, 5, 6] }] });
    expect(existsSync(join(data.path, 'raft.sqlite'))).toBe(true);
  });

  it('without workerUrl, refuses to open with WORKER_NOT_FOUND naming the missing worker, and writes nothing', async () => {
    cleanups.push(() => rmSync(output, { recursive: true, force: true }));
    mkdirSync(output, { recursive: true });
    writeFileSync(join(output, 'program.ts'), PROGRAM.replace('const workerUrl = ', 'const unused = ').replaceAll(', workerUrl }', ' }'));
    await build({
      entryPoints: { program: join(output, 'program.ts') },
      outdir: output,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@raftkit/source'],
      external: ['better-sqlite3'],
      logLevel: 'silent',
    });
    writeFileSync(join(output, 'package.json'), '{ "type": "module" }\n');

    const data = temporaryDirectory('bundle-missing');
    cleanups.push(data.remove);
    let stderr = '';
    try {
      execFileSync(process.execPath, [join(output, 'program.js'), data.path], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      stderr = String((error as { stderr: string }).stderr);
    }
    expect(stderr).toContain('WORKER_NOT_FOUND');
    expect(stderr).toContain(join(output, 'storage-worker.js'));
    expect(stderr).toContain('workerUrl');
    expect(existsSync(join(data.path, 'raft.sqlite'))).toBe(false);
    expect(existsSync(join(data.path, 'LOCK'))).toBe(false);
  });
});
