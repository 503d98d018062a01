/**
 * Request bodies: read whole, never more than `--max-body` bytes. A body over the limit is
 * refused with 413 as soon as it is known to be too large (from Content-Length, or while it
 * streams), without buffering the rest.
 */
import type { IncomingMessage } from 'node:http';
import { OperationError } from '../operation-error.js';

/**
 * readBody reads the request body. Throws OperationError TOO_LARGE past `maxBytes`, and
 * BAD_REQUEST when the client closes the connection before the body ends.
 *
 * It listens for 'data' and 'end' rather than iterating the stream with `for await`: the async
 * iterator costs a promise per chunk and its own machinery per request, which showed as 3% of a
 * follower's CPU under HTTP writes. A body that grows past the limit stops being read: the
 * answer (413) then goes out with `connection: close` (server.ts), so the rest is never parsed.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  // Read already (nothing more will come): an empty body, as iterating an ended stream gives.
  if (request.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        stop();
        request.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      const body = Buffer.concat(chunks, size);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    };
    // A body cut short is the client's doing (it closed the connection): a 400 that nobody will
    // read, never an INTERNAL error logged with its stack, which a client could flood the log with.
    const onError = (error: Error): void => {
      stop();
      reject(new OperationError('BAD_REQUEST', `the request body was cut short: ${error.message}`));
    };
    const onClose = (): void => onError(new Error('the connection closed before its end'));
    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

function tooLarge(maxBytes: number): OperationError {
  return new OperationError('TOO_LARGE', `the request body is over the limit of ${maxBytes} bytes (--max-body)`);
}

/** readJson reads a JSON object body. Throws BAD_REQUEST for anything that is not one. */
export async function readJson(request: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const bytes = await readBody(request, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new OperationError('BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OperationError('BAD_REQUEST', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}
