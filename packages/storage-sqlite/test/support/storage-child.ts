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
  /** Resolves once the snapshot save just called has taken its place in the call order. */
  let placed: Promise<void> | undefined;
  const run = (step: WorkloadStep): Promise<void> => {
    switch (step.kind) {
      case 'append':
        return storage.append(step.entries, { ...(step.truncateFrom !== undefined ? { truncateFrom: step.truncateFrom } : {}), hardState: step.hardState });
      case 'snapshot': {
        let read!: () => void;
        placed = new Promise<void>((resolve) => (read = resolve)).then(nextTurn);
        return storage.saveSnapshot(step.meta, readThen(snapshotChunks(step.meta.index, step.chunkCount), read));
      }
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
    // A save takes its place in the call order once its last chunk was read (Storage allows it).
    // The next call waits for that, so the order of the calls is the order they land in, which
    // the parent's prefix check relies on; calls made before the save still run beside it.
    if (placed !== undefined) await placed;
    placed = undefined;
  }
  await Promise.all(all);
  print('done');
  await storage.close();
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** readThen streams `chunks` and calls `read` once the last one was read. */
async function* readThen(chunks: AsyncIterable<Uint8Array>, read: () => void): AsyncIterable<Uint8Array> {
  yield* chunks;
  read();
}

main().catch((error: unknown) => {
  print(`error ${String((error as Error)?.stack ?? error)}`);
  process.exit(1);
});
