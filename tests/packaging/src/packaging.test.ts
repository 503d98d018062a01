/**
 * The packages as npm users get them. Every published package is packed with `pnpm pack` (which
 * runs its `prepack` build and applies its `publishConfig`, as publishing does); then:
 *
 * - each tarball holds its build, README and LICENSE, no tests or test support, and `exports`
 *   that do not answer the workspace's `@raftkit/source` condition;
 * - publint (warnings count as errors) and Are the Types Wrong (`esm-only` profile: the packages
 *   are ESM only, on purpose) find nothing;
 * - the tarballs, installed with npm into a project in the OS temp directory, carry a user's
 *   TypeScript program: it type-checks with `strict` and `skipLibCheck: false` (and the source
 *   condition enabled, which must change nothing) and runs a 3-node cluster on SQLite and
 *   WebSocket peers to a committed write read back through another node;
 * - installed with `npm install --global` (into a prefix of its own), the `raftkit` command of
 *   `@raftkit/node` runs: `raftkit start` serves a one-node cluster's write and read over HTTP,
 *   and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerProject } from './consumer-project.js';
import { freePort } from './free-port.js';
import { installGlobally } from './global-install.js';
import { packAll, type PackedPackage } from './pack.js';
import { PUBLISHED_PACKAGES } from './published-packages.js';
import { run } from './run.js';
import { tarballFiles, tarballManifest } from './tarball.js';

const require = createRequire(import.meta.url);
const workDirectory = mkdtempSync(join(tmpdir(), 'raftkit-packaging-'));
const consumer = join(workDirectory, 'consumer');
let packed: PackedPackage[] = [];
let raftkit = '';

beforeAll(async () => {
  packed = await packAll(workDirectory);
  await createConsumerProject(consumer, packed);
  raftkit = await installGlobally(join(workDirectory, 'global'), packed);
});

afterAll(() => {
  if (process.env['RAFTKIT_KEEP_PACKAGING'] === '1') console.log(`packaging work directory kept: ${workDirectory}`);
  else rmSync(workDirectory, { recursive: true, force: true });
});

describe('the published packages', () => {
  it('are all packed', () => {
    expect(packed.map((entry) => entry.folder)).toEqual(PUBLISHED_PACKAGES);
  });

  it('ship their build, README and LICENSE, and no tests or test support', () => {
    for (const { tarball } of packed) {
      const files = tarballFiles(tarball);
      expect(files, basename(tarball)).toContain('dist/index.js');
      expect(files, basename(tarball)).toContain('dist/index.d.ts');
      expect(files, basename(tarball)).toContain('README.md');
      expect(files, basename(tarball)).toContain('LICENSE');
      expect(files.filter((file) => /\.test\.|test-support\/|^test\//.test(file)), basename(tarball)).toEqual([]);
    }
  });

  it('publish exports without the workspace source condition, and full metadata', () => {
    for (const { tarball } of packed) {
      const manifest = tarballManifest(tarball);
      expect(JSON.stringify(manifest['exports']), basename(tarball)).not.toContain('@raftkit/source');
      expect(JSON.stringify(manifest['exports']), basename(tarball)).not.toContain('./src/');
      expect(manifest['private'], basename(tarball)).toBeUndefined();
      expect(manifest, basename(tarball)).toMatchObject({ license: 'MIT', author: 'raftkit contributors' });
      for (const field of ['description', 'repository', 'homepage', 'bugs', 'keywords']) expect(manifest[field], `${basename(tarball)} ${field}`).toBeTruthy();
      expect(JSON.stringify(manifest), basename(tarball)).not.toContain('workspace:');
    }
  });

  it('pass publint with warnings counted as errors', async () => {
    for (const { tarball } of packed) {
      const data = readFileSync(tarball);
      const { messages, pkg } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }, level: 'warning', strict: true });
      expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`), basename(tarball)).toEqual([]);
    }
  });

  it('pass Are the Types Wrong (ESM-only profile)', async () => {
    const attw = join(require.resolve('@arethetypeswrong/cli/package.json'), '..', 'dist', 'index.js');
    for (const { tarball } of packed) {
      // Exits non-zero, with the problems in the output, when it finds one.
      await run(process.execPath, [attw, tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color'], { cwd: workDirectory, timeoutMs: 120_000 });
    }
  });
});

describe('installed with npm outside the workspace', () => {
  it('a strict TypeScript program type-checks on them (skipLibCheck off) and runs a 3-node SQLite + WebSocket cluster to a committed, read-back write', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, timeoutMs: 300_000 });
    const data = join(workDirectory, 'data');
    // The source condition again, at run time: the published exports must not answer it.
    const { stdout } = await run(process.execPath, ['--conditions=@raftkit/source', join(consumer, 'out', 'cluster.js'), data], { cwd: consumer, timeoutMs: 180_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { leader: string; readFrom: string; written: string; readBack: string; onDisk: boolean };
    expect(result.written).toMatch(/^hello@\d+$/);
    expect(result.readBack).toBe(result.written);
    expect(result.readFrom).not.toBe(result.leader);
    expect(result.onDisk).toBe(true);
  });

});

describe('installed with npm install --global', () => {
  it('the raftkit command of @raftkit/node runs, and `raftkit start` serves a write and a read', async () => {
    const { stdout } = await run(raftkit, ['--help'], { cwd: consumer, timeoutMs: 60_000 });
    expect(stdout).toContain('raftkit start');

    const [peerPort, httpPort] = [await freePort(), await freePort()];
    const http = `http://127.0.0.1:${httpPort}`;
    const node = spawn(
      raftkit,
      ['start', '--id', 'n1', '--data', join(workDirectory, 'node-n1'), '--peer-listen', `127.0.0.1:${peerPort}`, '--http-listen', `127.0.0.1:${httpPort}`, '--cluster', `n1=127.0.0.1:${peerPort}`, '--tick-ms', '20'],
      { cwd: consumer, env: { ...process.env, RAFTKIT_SECRET: 'packaging-test-secret' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    node.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => node.once('exit', (code) => resolve(code)));
    try {
      await waitUntil(async () => ((await fetchJson(`${http}/v1/status`)) as { role?: string } | undefined)?.role === 'leader', 60_000, () => stderr);
      const put = await fetch(`${http}/v1/kv/hello`, { method: 'PUT', body: 'world' });
      expect(put.status).toBe(200);
      const get = await fetch(`${http}/v1/kv/hello`);
      expect([get.status, await get.text()]).toEqual([200, 'world']);
    } finally {
      node.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

/** fetchJson answers the parsed body of a GET, or undefined while the server is not up. */
async function fetchJson(url: string): Promise<unknown> {
  try {
    return await (await fetch(url)).json();
  } catch {
    return undefined;
  }
}

/** waitUntil polls `condition` until it holds, failing after `deadlineMs` with `context()`. */
async function waitUntil(condition: () => Promise<boolean>, deadlineMs: number, context: () => string): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`not within ${deadlineMs} ms; stderr:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
