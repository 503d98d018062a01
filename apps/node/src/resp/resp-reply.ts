/**
 * RESP replies: a small value type the command handlers return, and its encoding in RESP2 or
 * RESP3 (after `HELLO 3`). The types RESP2 lacks fall back as Redis does: null is `$-1` (or `*-1`
 * for a null array), a map is a flat array of key, value, key, value, a boolean is 1 or 0, a
 * verbatim string is a bulk string.
 */

/** RespProtocolVersion: 2 until a client asks for 3 with HELLO. */
export type RespProtocolVersion = 2 | 3;

/** RespReply is one reply, before encoding. */
export type RespReply =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'integer'; readonly value: number | bigint | string }
  | { readonly type: 'bulk'; readonly value: Uint8Array | string }
  /** A text shown as is (INFO); RESP3 verbatim `txt`, RESP2 bulk. */
  | { readonly type: 'verbatim'; readonly value: string }
  | { readonly type: 'null' }
  | { readonly type: 'null-array' }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'array'; readonly items: readonly RespReply[] }
  | { readonly type: 'map'; readonly entries: readonly (readonly [RespReply, RespReply])[] };

/** Shorthands for the replies handlers build most. */
export const reply = {
  ok: { type: 'simple', value: 'OK' } as RespReply,
  null: { type: 'null' } as RespReply,
  simple: (value: string): RespReply => ({ type: 'simple', value }),
  error: (message: string): RespReply => ({ type: 'error', message }),
  integer: (value: number | bigint | string): RespReply => ({ type: 'integer', value }),
  bulk: (value: Uint8Array | string | null): RespReply => (value === null ? { type: 'null' } : { type: 'bulk', value }),
  array: (items: readonly RespReply[]): RespReply => ({ type: 'array', items }),
  map: (entries: readonly (readonly [RespReply, RespReply])[]): RespReply => ({ type: 'map', entries }),
};

const CRLF = Buffer.from('\r\n');

/** encodeReply writes `value` in the connection's protocol version. */
export function encodeReply(value: RespReply, version: RespProtocolVersion): Buffer {
  const parts: Buffer[] = [];
  write(value, version, parts);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function line(prefix: string, text: string): Buffer {
  return Buffer.from(`${prefix}${text}\r\n`);
}

function write(value: RespReply, version: RespProtocolVersion, parts: Buffer[]): void {
  switch (value.type) {
    case 'simple':
      parts.push(line('+', oneLine(value.value)));
      return;
    case 'error':
      parts.push(line('-', oneLine(value.message)));
      return;
    case 'integer':
      parts.push(line(':', String(value.value)));
      return;
    case 'bulk': {
      const bytes = typeof value.value === 'string' ? Buffer.from(value.value) : Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength);
      parts.push(line('$', String(bytes.byteLength)), bytes, CRLF);
      return;
    }
    case 'verbatim': {
      if (version === 2) return write({ type: 'bulk', value: value.value }, version, parts);
      const bytes = Buffer.from(`txt:${value.value}`);
      parts.push(line('=', String(bytes.byteLength)), bytes, CRLF);
      return;
    }
    case 'null':
      parts.push(Buffer.from(version === 3 ? '_\r\n' : '$-1\r\n'));
      return;
    case 'null-array':
      parts.push(Buffer.from(version === 3 ? '_\r\n' : '*-1\r\n'));
      return;
    case 'boolean':
      parts.push(Buffer.from(version === 3 ? (value.value ? '#t\r\n' : '#f\r\n') : value.value ? ':1\r\n' : ':0\r\n'));
      return;
    case 'array':
      parts.push(line('*', String(value.items.length)));
      for (const item of value.items) write(item, version, parts);
      return;
    case 'map':
      parts.push(line(version === 3 ? '%' : '*', String(version === 3 ? value.entries.length : 2 * value.entries.length)));
      for (const [key, item] of value.entries) {
        write(key, version, parts);
        write(item, version, parts);
      }
      return;
  }
}

/** oneLine keeps a simple string or error on one line (a CR or LF would end it early). */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
