/**
 * A child process for the process-level tests. Run with tsx and the source condition:
 *
 *   hold <directory>                       open the storage, print "ready", wait to be killed
 *   workload <directory> <seed> <steps>    run the crash workload, printing "issued N kind"
 *                                          before each call and "ack N" once it resolved
 */
import { createSqliteStorage } from '../../src/index.js';
import { createWorkload, snapshotChunks, type WorkloadStep } from './crash-workload.js';

const [mode, directory, seedText, stepsText] = process.argv.slice(2);
const print = (line: string) => process.stdout.write(`${line}\n`);

/** At most this many calls are in flight at once, so group commit batches them. */
const WINDOW = 8;

async function main(): Promise<void> {
  const storage = createSqliteStorage({ directory: directory! });
  await storage.load();
  if (mode === 'hold') {
    print('ready');
    setInterval(() => undefined, 1 << 30);
    return;
  }
  const steps = createWorkload(Number(seedText), Number(stepsText));
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const run = (step: WorkloadStep): Promise<void> => {
    switch (step.kind) {
      case 'append':
        return storage.append(step.entries, { ...(step.truncateFrom !== undefined ? { truncateFrom: step.truncateFrom } : {}), hardState: step.hardState });
      case 'snapshot':
        return storage.saveSnapshot(step.meta, snapshotChunks(step.meta.index, step.chunkCount));
      case 'compact':
        return storage.compact(step.upTo);
    }
  };
  const all: Array<Promise<void>> = [];
  for (const [number, step] of steps.entries()) {
    while (inFlight >= WINDOW) await new Promise<void>((resolve) => (wake = resolve));
    print(`issued ${number} ${step.kind}`);
    inFlight++;
    all.push(
      run(step).then(() => {
        print(`ack ${number}`);
        inFlight--;
        wake?.();
      }),
    );
  }
  await Promise.all(all);
  print('done');
  await storage.close();
}

main().catch((error: unknown) => {
  print(`error ${String((error as Error)?.stack ?? error)}`);
  process.exit(1);
});
