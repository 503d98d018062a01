/**
 * The storage worker: owns the LogDatabase and runs each batch the caller's thread sends as one
 * transaction. better-sqlite3 blocks this thread for every fsync; the caller's event loop never
 * waits on the disk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './errors.js';
import { LogDatabase } from './log-database.js';
import { packedTransfers } from './packed-entries.js';
import type { LoadResult, OperationResult, WorkerOptions, WorkerReply, WorkerRequest } from './worker-protocol.js';

const port = parentPort!;
const options = workerData as WorkerOptions;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

let database: LogDatabase | undefined;
try {
  database = LogDatabase.open(options.file, options);
  reply({ type: 'opened', nextGeneration: database.nextGeneration() });
} catch (error) {
  reply({ type: 'openFailed', error: serializeError(error) });
}

port.on('message', (request: WorkerRequest) => {
  if (database === undefined) return;
  if (request.type === 'close') {
    try {
      database.close();
      database = undefined;
      reply({ type: 'closed' });
    } catch (error) {
      reply({ type: 'closed', error: serializeError(error) });
    }
    return;
  }
  try {
    const transfer: ArrayBuffer[] = [];
    const results: OperationResult[] = database.runBatch(request.operations).map((result, position) => {
      if (!result.ok) return { ok: false, error: serializeError(result.error) };
      collectTransfers(request.operations[position]!.type, result.value, transfer);
      return { ok: true, value: result.value };
    });
    reply({ type: 'batch', id: request.id, results }, transfer);
  } catch (error) {
    reply({ type: 'batch', id: request.id, results: [], error: serializeError(error) });
  }
});

/** collectTransfers lists the buffers a result owns, so they move to the caller without a copy. */
function collectTransfers(type: string, value: unknown, transfer: ArrayBuffer[]): void {
  if (type === 'load') {
    transfer.push(...packedTransfers((value as LoadResult).entries));
  } else if (type === 'readSnapshotChunks') {
    for (const chunk of value as Uint8Array[]) transfer.push(chunk.buffer as ArrayBuffer);
  }
}
