/**
 * A 3-member etcd on loopback with etcd's default settings (100 ms heartbeat, 1 s election
 * timeout, fsync on every write), each member with its own data directory under one temporary
 * directory that is deleted when the cluster stops. Members are SIGKILLed on stop and when this
 * process exits, so a failed or interrupted benchmark leaves none behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@raftkit/node/testing';

/** EtcdCluster is a running 3-member etcd. */
export interface EtcdCluster {
  /** Client addresses, `127.0.0.1:port`, one per member. */
  readonly clientAddresses: readonly string[];
  /** Each member's name, process id (for /proc) and client address. */
  readonly members: readonly { readonly name: string; readonly pid: number; readonly clientAddress: string }[];
  stop(): Promise<void>;
}

/** etcdVersion answers the first line of `etcd --version`, e.g. `etcd Version: 3.4.23`. */
export function etcdVersion(): string {
  return execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
}

/** healthy asks a member's `/health`, which answers `{"health":"true"}` once the cluster has a leader. */
function healthy(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(`http://${address}/health`, { timeout: 2000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve(response.statusCode === 200 && body.includes('"true"')));
      response.on('error', () => resolve(false));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** startEtcdCluster starts three members and waits until every one reports the cluster healthy. */
export async function startEtcdCluster(timeoutMs = 60_000): Promise<EtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), 'raftkit-bench-etcd-'));
  const names = ['e1', 'e2', 'e3'];
  const members = [];
  for (const name of names) members.push({ name, clientPort: await freePort(), peerPort: await freePort() });
  const initialCluster = members.map(({ name, peerPort }) => `${name}=http://127.0.0.1:${peerPort}`).join(',');
  const children: ChildProcess[] = [];
  const stderr = new Map<string, string>();
  const exits: Promise<void>[] = [];
  const killAll = () => children.forEach((child) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  process.once('exit', killAll);
  for (const { name, clientPort, peerPort } of members) {
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const args = [
      '--name', name, '--data-dir', join(root, name),
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', initialCluster, '--initial-cluster-token', `raftkit-bench-${process.pid}`, '--initial-cluster-state', 'new',
      // Warnings only, like the raftkit nodes: info lines would cost CPU the benchmark measures.
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
    ];
    const child = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // Keep the last few KB of each member's log to explain a member that dies.
    child.stderr?.on('data', (chunk: Buffer) => stderr.set(name, ((stderr.get(name) ?? '') + chunk.toString('utf8')).slice(-4000)));
    exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
    children.push(child);
  }
  const stop = async () => {
    killAll();
    await Promise.all(exits);
    rmSync(root, { recursive: true, force: true });
  };
  const clientAddresses = members.map(({ clientPort }) => `127.0.0.1:${clientPort}`);
  try {
    await waitFor(
      'every etcd member to report the cluster healthy',
      async () => {
        const dead = children.findIndex((child) => child.exitCode !== null || child.signalCode !== null);
        if (dead >= 0) throw new Error(`etcd member ${names[dead]} exited: ${stderr.get(names[dead]!) ?? ''}`);
        return (await Promise.all(clientAddresses.map(healthy))).every(Boolean) ? true : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { clientAddresses, members: members.map(({ name }, position) => ({ name, pid: children[position]!.pid!, clientAddress: clientAddresses[position]! })), stop };
}
