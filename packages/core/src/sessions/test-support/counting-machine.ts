/**
 * CountingMachine: an inner state machine for session tests. It sums what it is told to add and
 * counts every apply, so a test can tell "answered from the session table" from "applied again".
 */
import type { ApplyMeta, StateMachine } from '../../runtime/interfaces.js';

/** CountingCommand adds to the total, makes apply throw, or returns nothing. */
export type CountingCommand = { readonly add: number } | { readonly fail: string } | { readonly nothing: true };

/** CountingMachine keeps a total; its snapshot is taken when snapshot() is called. */
export class CountingMachine implements StateMachine<CountingCommand, 'total', number | undefined> {
  total = 0;
  /** Every apply and restore, in order: `apply <index> <command>` or `restore <total>`. */
  readonly calls: string[] = [];

  /** applications is how many times apply ran. */
  get applications(): number {
    return this.calls.filter((call) => call.startsWith('apply')).length;
  }

  apply(command: CountingCommand, meta: ApplyMeta): number | undefined {
    this.calls.push(`apply ${meta.index} ${JSON.stringify(command)}`);
    if ('fail' in command) throw new Error(command.fail);
    if ('nothing' in command) return undefined;
    this.total += command.add;
    return this.total;
  }

  query(): number {
    return this.total;
  }

  /** snapshot captures the total at call time and yields it split in two chunks. */
  snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new TextEncoder().encode(JSON.stringify({ total: this.total }));
    const middle = bytes.byteLength >> 1;
    return (async function* () {
      yield bytes.slice(0, middle);
      yield bytes.slice(middle);
    })();
  }

  /** restore records how many chunks it got, so a test can check the chunking survived. */
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const text = parts.map((part) => new TextDecoder().decode(part)).join('');
    this.total = (JSON.parse(text) as { total: number }).total;
    this.calls.push(`restore ${this.total} from ${parts.length} chunks`);
  }
}

/** collect reads a whole snapshot stream. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts;
}

/** concat joins chunks into one byte array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/** stream yields `bytes` in chunks of `size`, as a storage that re-chunks would. */
export async function* stream(bytes: Uint8Array, size = bytes.byteLength || 1): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.slice(offset, offset + size);
}
