/**
 * `raftkit dev`: the README's first command. It starts a local cluster, prints URLs and curl
 * examples that work exactly as printed, and stops every node on Ctrl-C (SIGINT).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/cluster.js';

const binPath = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** freeRange finds `count` consecutive free ports. */
async function freeRange(count: number, from: number): Promise<number> {
  for (let base = from; base < 60_000; base += count + 7) {
    let free = true;
    for (let offset = 0; offset < count && free; offset++) free = await isFree(base + offset);
    if (free) return base;
  }
  throw new Error('no free port range');
}

describe('raftkit dev', () => {
  it('prints each node and curl examples that work as printed, and stops every node on SIGINT', async () => {
    const root = mkdtempSync(join(tmpdir(), 'raftkit-dev-'));
    const peerPort = await freeRange(3, 20_000 + Math.floor(Math.random() * 10_000));
    const httpPort = await freeRange(3, peerPort + 10);
    const respPort = await freeRange(3, httpPort + 10);
    const child = spawn(process.execPath, ['--conditions=@raftkit/source', '--import', tsxLoader, binPath, 'dev', '--nodes', '3', '--data-root', root, '--peer-port', String(peerPort), '--http-port', String(httpPort), '--resp-port', String(respPort), '--tick-ms', '30'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the dev cluster to print its examples', () => (stdout.includes('Ctrl-C stops the cluster.') ? true : undefined), 120_000, 100);
      for (let n = 0; n < 3; n++) expect(stdout).toContain(`n${n + 1}  http://127.0.0.1:${httpPort + n}/   (peer 127.0.0.1:${peerPort + n}, redis 127.0.0.1:${respPort + n})`);
      const curls = stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('curl '));
      expect(curls).toHaveLength(5);
      // Run each example exactly as printed, through a shell, as a person would paste it.
      const run = (line: string) => execFileSync('sh', ['-c', `${line} -s -w ' %{http_code}'`], { encoding: 'utf8' });
      expect(run(curls[0]!)).toMatch(/^\{"index":\d+\}\n 200$/);
      expect(run(curls[1]!)).toBe('world 200');
      expect(run(curls[2]!)).toMatch(/^\{"ok":true,"index":\d+\}\n 200$/);
      expect(run(curls[3]!)).toMatch(/^\{"index":\d+\}\n 200$/);
      expect(run(curls[4]!)).toMatch(/"members":\{"voters":\["n1","n2","n3"\]/);
      // The redis-cli examples work as printed too (redis-tools from scripts/ci/install-redis.sh).
      const redisLines = stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('redis-cli '));
      expect(redisLines).toEqual([`redis-cli -p ${respPort} set hello world`, `redis-cli -p ${respPort + 1} get hello`]);
      expect(execFileSync('sh', ['-c', redisLines[0]!], { encoding: 'utf8' })).toBe('OK\n');
      expect(execFileSync('sh', ['-c', redisLines[1]!], { encoding: 'utf8' })).toBe('world\n');
    } finally {
      child.kill('SIGINT');
      const code = await exited;
      rmSync(root, { recursive: true, force: true });
      expect({ code, stderr: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
    }
    // Every node stopped: nothing listens on the HTTP ports any more.
    for (let n = 0; n < 3; n++) expect(await isFree(httpPort + n)).toBe(true);
  });
});
