/**
 * What the comparison's numbers depend on besides the code: the CPU, the load average (this
 * machine may be shared), the Node and etcd versions, and the raw fsync rate of the disk under
 * the temporary directory where both systems keep their data (both fsync every write).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** MachineFacts describe the machine a comparison ran on. */
export interface MachineFacts {
  readonly cpu: string | undefined;
  readonly cores: number;
  readonly node: string;
  readonly etcd: string;
  /** 1, 5 and 15 minute load averages when the facts were taken. */
  readonly loadAverage: readonly number[];
  /** 4 KiB overwrite + fdatasync of one file, per second, over `fsyncSeconds` (the disk's floor for a durable write). */
  readonly fsyncsPerSecond: number;
}

/** fsyncRate overwrites 4 KiB of one file and fdatasyncs it in a loop for `seconds`. */
export function fsyncRate(seconds = 1): number {
  const dir = mkdtempSync(join(os.tmpdir(), 'raftkit-bench-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    let count = 0;
    const start = performance.now();
    const stopAt = start + seconds * 1000;
    while (performance.now() < stopAt) {
      writeSync(fd, block, 0, block.length, 0);
      fdatasyncSync(fd);
      count++;
    }
    return Math.round(count / ((performance.now() - start) / 1000));
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** machineFacts gathers the facts; `etcd` is the etcd version line. */
export function machineFacts(etcd: string): MachineFacts {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model,
    cores: cpus.length,
    node: process.version,
    etcd,
    loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
    fsyncsPerSecond: fsyncRate(),
  };
}
