/**
 * The RESP request parser: turns the bytes a client sends into commands (lists of byte-string
 * arguments). It reads what clients send, which is a subset of RESP:
 *
 *   *<n>\r\n  then n times  $<len>\r\n<len bytes>\r\n      (every client library, redis-cli)
 *   a line of words separated by spaces, ending in \n          ("inline": telnet, nc)
 *
 * Incremental: bytes may arrive split anywhere. A partial command is kept and parsing resumes only
 * once enough bytes arrived to finish what it waits for, so a large value arriving in many chunks
 * is not re-parsed on each one. Every length is bounded (RespLimits), so a client can make the
 * parser buffer at most `maxBufferedBytes`; anything malformed or too large is a RespProtocolError
 * (the server answers it and closes the connection, as Redis does).
 */

/** RespLimits bound what one connection may make the parser hold. */
export interface RespLimits {
  /** Largest argument ($<len>). */
  readonly maxBulkBytes: number;
  /** Most arguments in one command (*<n>). */
  readonly maxArguments: number;
  /** Longest inline command line. */
  readonly maxInlineBytes: number;
  /** Most bytes buffered for a command not yet complete. */
  readonly maxBufferedBytes: number;
}

/** RespProtocolErrorCode says what was wrong with the bytes. */
export type RespProtocolErrorCode = 'MALFORMED' | 'TOO_LARGE';

/** RespProtocolError: the bytes are not a RESP request, or one over the limits. `message` is Redis's wording. */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
  constructor(
    readonly code: RespProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A command: its arguments, the name first. */
export type RespCommand = Buffer[];

/** RespParsed: the commands some bytes completed, in order, and the error that ended parsing, if any. */
export interface RespParsed {
  readonly commands: RespCommand[];
  /** Set when the bytes after `commands` are malformed or too large: answer it and close. */
  readonly error: RespProtocolError | undefined;
}

const CR = 0x0d;
const LF = 0x0a;
/** Longest `*<n>` or `$<len>` header line we accept (a 20-digit number and a sign). */
const MAX_HEADER_LINE = 32;

/** Incomplete: more bytes are needed; the command started at 0 needs at least `needed` bytes in all. */
interface Incomplete {
  readonly needed: number;
}

/** RespRequestParser parses one connection's requests. Not to be used again after it reported an error. */
export class RespRequestParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Do not try to parse before this many bytes are pending (what the partial command waits for). */
  private needed = 1;

  constructor(private readonly limits: RespLimits) {}

  /** bufferedBytes is how many bytes of an incomplete command are held. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * push takes the next bytes and returns the commands they completed, in order; when the bytes
   * after them are malformed or too large, also the error (the commands before it still count).
   */
  push(chunk: Buffer): RespParsed {
    const commands: RespCommand[] = [];
    try {
      this.parse(chunk, commands);
      return { commands, error: undefined };
    } catch (error) {
      if (!(error instanceof RespProtocolError)) throw error;
      this.pending = [];
      this.pendingBytes = 0;
      return { commands, error };
    }
  }

  private parse(chunk: Buffer, commands: RespCommand[]): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes < this.needed) {
      this.checkBuffered();
      return;
    }
    const buffer = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    for (;;) {
      if (offset >= buffer.byteLength) {
        this.keep(buffer.subarray(buffer.byteLength), 1);
        return;
      }
      const parsed = this.parseOne(buffer, offset);
      if ('needed' in parsed) {
        this.keep(buffer.subarray(offset), parsed.needed);
        this.checkBuffered();
        return;
      }
      offset = parsed.end;
      if (parsed.command.length > 0) commands.push(parsed.command);
    }
  }

  private keep(rest: Buffer, needed: number): void {
    // A copy, so a small remainder does not pin a large chunk.
    this.pending = rest.byteLength === 0 ? [] : [Buffer.from(rest)];
    this.pendingBytes = rest.byteLength;
    this.needed = Math.max(1, needed);
  }

  private checkBuffered(): void {
    if (this.pendingBytes > this.limits.maxBufferedBytes) {
      throw new RespProtocolError('TOO_LARGE', `ERR Protocol error: request larger than ${this.limits.maxBufferedBytes} bytes`);
    }
  }

  private parseOne(buffer: Buffer, start: number): { command: RespCommand; end: number } | Incomplete {
    if (buffer[start] !== 0x2a /* '*' */) return this.parseInline(buffer, start);
    const header = readLine(buffer, start + 1, MAX_HEADER_LINE, 'multibulk length');
    if (header === undefined) return { needed: buffer.byteLength - start + 1 };
    const count = parseLength(buffer, start + 1, header, 'invalid multibulk length');
    if (count > this.limits.maxArguments) throw new RespProtocolError('TOO_LARGE', 'ERR Protocol error: invalid multibulk length');
    let offset = header + 2;
    // *0 and *-1 are empty commands; Redis skips them.
    if (count <= 0) return { command: [], end: offset };
    const command: RespCommand = [];
    for (let argument = 0; argument < count; argument++) {
      if (offset >= buffer.byteLength) return { needed: offset - start + 1 };
      if (buffer[offset] !== 0x24 /* '$' */) throw new RespProtocolError('MALFORMED', `ERR Protocol error: expected '$', got '${printable(buffer[offset]!)}'`);
      const lineEnd = readLine(buffer, offset + 1, MAX_HEADER_LINE, 'bulk length');
      if (lineEnd === undefined) return { needed: buffer.byteLength - start + 1 };
      const length = parseLength(buffer, offset + 1, lineEnd, 'invalid bulk length');
      if (length < 0 || length > this.limits.maxBulkBytes) throw new RespProtocolError('TOO_LARGE', 'ERR Protocol error: invalid bulk length');
      const dataStart = lineEnd + 2;
      const dataEnd = dataStart + length;
      if (dataEnd + 2 > buffer.byteLength) {
        if (dataEnd + 2 - start > this.limits.maxBufferedBytes) throw new RespProtocolError('TOO_LARGE', `ERR Protocol error: request larger than ${this.limits.maxBufferedBytes} bytes`);
        return { needed: dataEnd + 2 - start };
      }
      if (buffer[dataEnd] !== CR || buffer[dataEnd + 1] !== LF) throw new RespProtocolError('MALFORMED', 'ERR Protocol error: bulk string not followed by CRLF');
      // A copy: arguments outlive the chunk they came in (values go into the log).
      command.push(Buffer.from(buffer.subarray(dataStart, dataEnd)));
      offset = dataEnd + 2;
    }
    return { command, end: offset };
  }

  private parseInline(buffer: Buffer, start: number): { command: RespCommand; end: number } | Incomplete {
    const newline = buffer.indexOf(LF, start);
    if (newline === -1) {
      if (buffer.byteLength - start > this.limits.maxInlineBytes) throw new RespProtocolError('TOO_LARGE', 'ERR Protocol error: too big inline request');
      return { needed: buffer.byteLength - start + 1 };
    }
    if (newline - start > this.limits.maxInlineBytes) throw new RespProtocolError('TOO_LARGE', 'ERR Protocol error: too big inline request');
    const lineEnd = newline > start && buffer[newline - 1] === CR ? newline - 1 : newline;
    const words = buffer
      .subarray(start, lineEnd)
      .toString('latin1')
      .split(/[ \t]+/)
      .filter((word) => word.length > 0);
    if (words.length > this.limits.maxArguments) throw new RespProtocolError('TOO_LARGE', 'ERR Protocol error: invalid multibulk length');
    return { command: words.map((word) => Buffer.from(word, 'latin1')), end: newline + 1 };
  }
}

/** readLine finds the CRLF ending a header line that starts at `from`; undefined when not there yet. */
function readLine(buffer: Buffer, from: number, maxLength: number, what: string): number | undefined {
  const limit = Math.min(buffer.byteLength - 1, from + maxLength);
  for (let position = from; position < limit; position++) {
    if (buffer[position] === CR) {
      if (buffer[position + 1] !== LF) throw new RespProtocolError('MALFORMED', `ERR Protocol error: ${what} line not ended by CRLF`);
      return position;
    }
  }
  if (buffer.byteLength - from > maxLength) throw new RespProtocolError('MALFORMED', `ERR Protocol error: ${what} line too long`);
  return undefined;
}

/** parseLength reads the decimal integer in [from, to): digits with an optional leading '-'. */
function parseLength(buffer: Buffer, from: number, to: number, message: string): number {
  const text = buffer.toString('latin1', from, to);
  if (!/^-?[0-9]{1,19}$/.test(text)) throw new RespProtocolError('MALFORMED', `ERR Protocol error: ${message}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < -1) throw new RespProtocolError('MALFORMED', `ERR Protocol error: ${message}`);
  return value;
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}
