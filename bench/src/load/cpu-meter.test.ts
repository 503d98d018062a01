import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseProcStatCpuTicks, processCpuSeconds, startCpuMeter } from './cpu-meter.js';

/** burn keeps this thread busy until it has used `seconds` of CPU (a condition, not a sleep). */
function burn(seconds: number): void {
  const start = process.cpuUsage();
  let sink = 0;
  for (;;) {
    for (let i = 0; i < 100_000; i++) sink += Math.sqrt(i);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1e6 >= seconds) break;
  }
  expect(sink).toBeGreaterThan(0);
}

describe('parseProcStatCpuTicks', () => {
  it('adds utime and stime, counting fields after the last parenthesis of the command name', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 1234 567 0 0 20 0 12 0 100 0 0';
    expect(parseProcStatCpuTicks(`42 (node) ${tail}`)).toBe(1801);
    expect(parseProcStatCpuTicks(`42 (a (weird) name) ${tail}`)).toBe(1801);
    expect(parseProcStatCpuTicks('42 (cut short) S 1')).toBeUndefined();
  });
});

describe('processCpuSeconds and startCpuMeter', () => {
  it('counts the CPU a server process and this process used while the meter ran', () => {
    const meter = startCpuMeter([process.pid]);
    burn(0.2);
    const reading = meter.read();
    // /proc counts in clock ticks (10 ms), process.cpuUsage in microseconds.
    expect(reading.serverSeconds).toBeGreaterThanOrEqual(0.18);
    expect(reading.loadSeconds).toBeGreaterThanOrEqual(0.2);
  });

  it('reads undefined for a process that is gone, and the meter then has no server figure', () => {
    const exited = spawnSync(process.execPath, ['-e', '0']);
    expect(exited.status).toBe(0);
    expect(processCpuSeconds(exited.pid!)).toBeUndefined();
    expect(startCpuMeter([process.pid, exited.pid!]).read().serverSeconds).toBeUndefined();
  });
});
