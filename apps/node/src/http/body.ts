/**
 * Request bodies: read whole, never more than `--max-body` bytes. A body over the limit is
 * refused with 413 as soon as it is known to be too large (from Content-Length, or while it
 * streams), without buffering the rest.
 */
import type { IncomingMessage } from 'node:http';
import { OperationError } from '../operation-error.js';

/** readBody reads the request body. Throws OperationError TOO_LARGE past `maxBytes`. */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks, size);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
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
