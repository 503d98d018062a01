import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RespProtocolError, RespRequestParser, type RespCommand, type RespLimits } from './resp-request-parser.js';

const LIMITS: RespLimits = { maxBulkBytes: 4096, maxArguments: 64, maxInlineBytes: 1024, maxBufferedBytes: 8192 };
/** The fuzz seed: RESP_FUZZ_SEED replays a failure; otherwise a new one each run, printed when a property fails. */
const SEED = Number(process.env['RESP_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

function encodeRequest(command: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${command.length}\r\n`)];
  for (const argument of command) parts.push(Buffer.from(`$${argument.byteLength}\r\n`), Buffer.from(argument), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** split cuts `bytes` at the given (sorted, deduplicated) positions. */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const positions = [...new Set(cuts.map((cut) => cut % (bytes.byteLength + 1)))].sort((left, right) => left - right);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const position of positions) {
    chunks.push(bytes.subarray(previous, position));
    previous = position;
  }
  chunks.push(bytes.subarray(previous));
  return chunks;
}

/** feed pushes every chunk and answers the commands, throwing the first protocol error. */
function feed(parser: RespRequestParser, chunks: readonly Buffer[]): RespCommand[] {
  return chunks.flatMap((chunk) => {
    const parsed = parser.push(chunk);
    if (parsed.error !== undefined) throw parsed.error;
    return parsed.commands;
  });
}

const pushOne = (bytes: string | Buffer) => feed(new RespRequestParser(LIMITS), [Buffer.from(bytes)]);

/** withSeed runs a fast-check property with the run's seed and names the seed when it fails. */
function check(property: fc.IProperty<unknown>, numRuns: number): void {
  try {
    fc.assert(property, { seed: SEED, numRuns });
  } catch (error) {
    throw new Error(`RESP fuzz failed with seed ${SEED} (replay: RESP_FUZZ_SEED=${SEED})\n${(error as Error).message}`);
  }
}

describe('RespRequestParser', () => {
  it('parses multibulk and inline commands, and skips empty ones', () => {
    const parser = new RespRequestParser(LIMITS);
    const commands = feed(parser, [Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*0\r\nPING\r\nset  a  b\n')]);
    expect(commands.map((command) => command.map(String))).toEqual([['GET', 'k'], ['PING'], ['set', 'a', 'b']]);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('gives back every command whole however the bytes are split (fuzz, seeded)', () => {
    const argument = fc.uint8Array({ maxLength: 300 });
    const command = fc.array(argument, { minLength: 1, maxLength: 8 });
    check(
      fc.property(fc.array(command, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 20 }), (commands, cuts) => {
        const bytes = Buffer.concat(commands.map(encodeRequest));
        const parser = new RespRequestParser(LIMITS);
        const parsed = feed(parser, split(bytes, cuts));
        expect(parsed.map((each) => each.map((part) => [...part]))).toEqual(commands.map((each) => each.map((part) => [...part])));
        expect(parser.bufferedBytes).toBe(0);
      }),
      300,
    );
  });

  it('never throws anything but RespProtocolError on garbage, and never holds more than its limit (fuzz, seeded)', () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      // Near-misses of valid requests: a valid one with some bytes replaced.
      fc.tuple(fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })).map(([command, edits]) => {
        const bytes = Buffer.from(encodeRequest(command));
        for (const [position, byte] of edits) bytes[position % bytes.byteLength] = byte;
        return new Uint8Array(bytes);
      }),
    );
    check(
      fc.property(garbage, fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const parser = new RespRequestParser(LIMITS);
        try {
          feed(parser, split(Buffer.from(bytes), cuts));
        } catch (error) {
          expect(error).toBeInstanceOf(RespProtocolError);
          expect((error as RespProtocolError).message).toMatch(/^ERR Protocol error/);
          return;
        }
        expect(parser.bufferedBytes).toBeLessThanOrEqual(LIMITS.maxBufferedBytes);
      }),
      1000,
    );
  });

  it('refuses oversized input before buffering it: bulk length, argument count, inline line, total', () => {
    expect(() => pushOne(Buffer.from('*1\r\n$4097\r\n'))).toThrow('invalid bulk length');
    expect(() => pushOne(Buffer.from('*65\r\n'))).toThrow('invalid multibulk length');
    expect(() => pushOne(Buffer.alloc(1025, 0x61))).toThrow('too big inline request');
    const parser = new RespRequestParser(LIMITS);
    const big = Buffer.concat([Buffer.from('*3\r\n$4000\r\n'), Buffer.alloc(4000, 1), Buffer.from('\r\n$4000\r\n'), Buffer.alloc(4000, 2), Buffer.from('\r\n$4000\r\n')]);
    expect(() => feed(parser, [big])).toThrow('request larger than 8192 bytes');
  });

  it('gives back the commands before a protocol error with the error', () => {
    const parsed = new RespRequestParser(LIMITS).push(Buffer.from('PING\r\n*1\r\n$x\r\n'));
    expect(parsed.commands.map((command) => command.map(String))).toEqual([['PING']]);
    expect(parsed.error?.message).toBe('ERR Protocol error: invalid bulk length');
  });

  it('refuses malformed framing with Redis\'s wording', () => {
    expect(() => pushOne(Buffer.from('*1\r\n:1\r\n'))).toThrow("ERR Protocol error: expected '$', got ':'");
    expect(() => pushOne(Buffer.from('*x\r\n'))).toThrow('invalid multibulk length');
    expect(() => pushOne(Buffer.from('*1\r\n$1\r\nab\r\n'))).toThrow('not followed by CRLF');
  });
});
