import { LocalCluster } from '@raftkit/node/testing';
import { runLoad } from './load/index.js';
import { createRaftkitHttpDriver, createRaftkitNativeDriver } from './compare-etcd/drivers.js';
const via = process.env.VIA ?? 'native';
const clients = Number(process.env.CLIENTS ?? 64);
const ms = Number(process.env.MS ?? 8000);
const cluster = await LocalCluster.create(['n1', 'n2', 'n3'], { flags: { 'tick-ms': '100', 'election-ticks': '10', 'heartbeat-ticks': '1', 'log-level': 'warn' } });
try {
  await cluster.start();
  const leader = await cluster.waitForLeader();
  console.log('leader', leader.id);
  const driver = via === 'native' ? createRaftkitNativeDriver(cluster.httpAddresses, clients) : createRaftkitHttpDriver(cluster.httpAddresses, clients);
  const value = new Uint8Array(100);
  const op = process.env.OP ?? 'put';
  if (op === 'get') for (let i = 0; i < 256; i++) await driver.put(0, `k${i}`, value);
  const result = await runLoad({ workers: clients, durationMs: ms, warmupMs: 1000, operation: op === 'put' ? ({ worker, sequence }) => driver.put(worker, `k${(worker * 7 + sequence) % 256}`, value) : ({ worker, sequence }) => driver.get(worker, `k${(worker * 7 + sequence) % 256}`) } as never);
  console.log(JSON.stringify(result).slice(0, 400));
  await driver.close();
} finally {
  await cluster.stop();
}
