import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

/** A benchmark row: a name plus numeric (or string) columns. */
export type Row = Record<string, string | number>;

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** machine is the facts about this machine every result file carries. */
export function machine(): { date: string; node: string; cpus: number; cpu: string | undefined } {
  return { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model };
}

/** printTable prints `rows` under `title`. */
export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.table(rows);
}

/** writeResult writes `body`, with the machine facts, to results/<name>.json and returns the path. */
export function writeResult(name: string, body: Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...machine(), ...body }, null, 2) + '\n');
  console.log(`wrote ${file}`);
  return file;
}

/** report prints `rows` as a table and writes them, with machine facts, to results/<name>.json. */
export function report(name: string, title: string, rows: Row[]): void {
  printTable(title, rows);
  writeResult(name, { title, rows });
}

/** cpuSeconds measures the user + system CPU time `fn` takes. */
export function cpuSeconds(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}
