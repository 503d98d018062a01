/**
 * runRedisBenchmark runs `redis-benchmark` once (one test, one client count, one pipeline depth)
 * and reads its CSV line: requests per second and latency percentiles. `-e` makes it print every
 * error reply, which are counted.
 */
import { execFile } from 'node:child_process';

/** RedisBenchmarkRow is one redis-benchmark run. */
export interface RedisBenchmarkRow {
  readonly test: 'set' | 'get';
  readonly clients: number;
  readonly pipeline: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Error replies redis-benchmark printed ("Error from server: ..."). */
  readonly errors: number;
}

/** The options of one run. */
export interface RedisBenchmarkOptions {
  readonly port: number;
  readonly test: 'set' | 'get';
  readonly clients: number;
  readonly pipeline: number;
  readonly requests: number;
  /** Random keys from a keyspace of this size (`-r`). */
  readonly keyspace: number;
  readonly timeoutMs: number;
}

/** runRedisBenchmark runs one row. Throws when redis-benchmark fails or prints no result. */
export function runRedisBenchmark(options: RedisBenchmarkOptions): Promise<RedisBenchmarkRow> {
  const args = ['-h', '127.0.0.1', '-p', String(options.port), '-t', options.test, '-n', String(options.requests), '-c', String(options.clients), '-P', String(options.pipeline), '-r', String(options.keyspace), '-e', '--csv'];
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', args, { timeout: options.timeoutMs, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`redis-benchmark ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-500)}`));
      const line = stdout.split('\n').find((each) => each.startsWith(`"${options.test.toUpperCase()}"`));
      // "SET","rps","avg","min","p50","p95","p99","max"
      const cells = line?.split(',').map((cell) => Number(cell.replaceAll('"', '')));
      if (cells === undefined || cells.length < 8 || !Number.isFinite(cells[1])) return reject(new Error(`redis-benchmark printed no ${options.test} result:\n${stdout.slice(-500)}`));
      resolve({
        test: options.test,
        clients: options.clients,
        pipeline: options.pipeline,
        requests: options.requests,
        requestsPerSecond: cells[1]!,
        p50Ms: cells[4]!,
        p99Ms: cells[6]!,
        errors: (stdout.match(/Error from server/g) ?? []).length,
      });
    });
  });
}
