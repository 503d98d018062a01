/**
 * Forced recovery (`raftkit recover`, UNSAFE by design) and lease reads, against real processes.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { call, nodeEnv, putRetrying, status, TestCluster, waitFor } from './support/cluster.js';

const binPath = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

async function raftkit(...args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--conditions=@raftkit/source', '--import', tsxLoader, binPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: nodeEnv() });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)));
  return { code, stdout };
}

describe('raftkit recover', () => {
  it('lets a lone survivor of a lost majority lead alone with the writes it holds', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const { leader } = await cluster.waitForLeader();
    for (let n = 0; n < 5; n++) await putRetrying(leader, `kept-${n}`, `v${n}`);
    // Let every node apply them, then lose two nodes for good.
    const commit = (await status(leader)).commitIndex;
    for (const node of cluster.nodes) await waitFor(`${node.id} to apply ${commit}`, async () => ((await status(node)).appliedIndex >= commit ? true : undefined));
    const [survivor, ...lost] = cluster.nodes;
    await Promise.all(lost.map((node) => node.kill('SIGKILL')));
    await survivor!.kill('SIGTERM');

    const recovered = await raftkit('recover', '--id', survivor!.id, '--data', survivor!.dataDir);
    expect(recovered.code).toBe(0);
    expect(JSON.parse(recovered.stdout)).toMatchObject({ recovered: true, voters: [survivor!.id] });

    await survivor!.start();
    await waitFor(`${survivor!.id} to lead alone`, async () => ((await status(survivor!)).role === 'leader' ? true : undefined));
    expect((await status(survivor!)).members).toEqual({ voters: [survivor!.id], learners: [], outgoing: [] });
    for (let n = 0; n < 5; n++) expect((await call(survivor!, 'GET', `/v1/kv/kept-${n}`)).text).toBe(`v${n}`);
    expect((await call(survivor!, 'PUT', '/v1/kv/after-recovery', { body: 'yes' })).status).toBe(200);
  });
});

describe('--lease-reads', () => {
  it('serves linearizable reads through followers while the leader holds a lease', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: { 'lease-reads': true } });
    const { leader } = await cluster.waitForLeader();
    const [first, second] = cluster.nodes.filter((node) => node !== leader);
    await putRetrying(first!, 'leased', 'value');
    const read = await call(second!, 'GET', '/v1/kv/leased');
    expect([read.status, read.text]).toEqual([200, 'value']);
    const leaseMs = await waitFor('the leader to hold a lease', async () => {
      const own = (await call(leader, 'GET', '/v1/status')).json as { leaseRemainingMs: number };
      return own.leaseRemainingMs > 0 ? own.leaseRemainingMs : undefined;
    });
    // At most (electionTicks - 1) × tickMs = 270 ms with the test's fast ticks.
    expect(leaseMs).toBeLessThanOrEqual(270);
  });
});
