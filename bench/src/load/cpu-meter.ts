/**
 * CPU time over a measured window: the servers' (each process's user + system time from
 * /proc/<pid>/stat, every thread included: raftkit's storage worker, etcd's goroutines) and the
 * load generator's own (`process.cpuUsage`, this process).
 *
 * A throughput ratio on a small machine says how two systems share its cores with each other's
 * load generator; CPU per operation says what each operation costs. The two differ when the cores
 * are saturated, which is why the comparison reports both.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CpuReading is the CPU seconds used since the meter started. */
export interface CpuReading {
  /** All server processes together; undefined where /proc cannot be read (not Linux, or one exited). */
  readonly serverSeconds: number | undefined;
  /** This process: the load generator. */
  readonly loadSeconds: number;
}

/** CpuMeter reads the CPU used since it started. */
export interface CpuMeter {
  read(): CpuReading;
}

let ticksPerSecond: number | undefined;

/** clockTicks is the unit of /proc/<pid>/stat's times (`getconf CLK_TCK`; 100 on every Linux we know). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * parseProcStatCpuTicks returns utime + stime (fields 14 and 15) of a /proc/<pid>/stat line. The
 * command name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function parseProcStatCpuTicks(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return Number.isFinite(user) && Number.isFinite(system) ? user + system : undefined;
}

/** processCpuSeconds is the CPU time process `pid` has used so far; undefined when it cannot be read. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const ticks = parseProcStatCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ticks === undefined ? undefined : ticks / clockTicks();
  } catch {
    return undefined;
  }
}

function serversSeconds(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds === undefined) return undefined;
    total += seconds;
  }
  return total;
}

/** startCpuMeter starts measuring the CPU of the server processes `pids` and of this process. */
export function startCpuMeter(pids: readonly number[]): CpuMeter {
  const serversAtStart = serversSeconds(pids);
  const loadAtStart = process.cpuUsage();
  return {
    read() {
      const servers = serversSeconds(pids);
      const load = process.cpuUsage(loadAtStart);
      return {
        serverSeconds: servers === undefined || serversAtStart === undefined ? undefined : servers - serversAtStart,
        loadSeconds: (load.user + load.system) / 1e6,
      };
    },
  };
}
