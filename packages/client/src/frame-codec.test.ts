import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { decodeResponse, decodeValue, encodeRequest, encodeResponse, toBytes } from './frame-codec.js';

const plain = new Packr({ useRecords: false });

describe('frame codec', () => {
  it('writes requests as plain msgpack maps (no msgpackr records) with binary values as bin', () => {
    const value = Uint8Array.of(0, 1, 255);
    const frame = encodeRequest({ id: 7, type: 'command', command: { op: 'put', key: 'k', value }, session: { clientId: 'c', sequence: 3 } });

    // A map header (fixmap, or map16 as msgpackr writes it); a msgpackr record would start with an extension byte.
    expect(frame[0] === 0x84 || frame[0] === 0xde).toBe(true);
    expect(Buffer.from(frame).includes(Buffer.from([0xc4, 0x03, 0, 1, 255]))).toBe(true);
    expect(decodeValue(frame)).toEqual({ id: 7, type: 'command', command: { op: 'put', key: 'k', value }, session: { clientId: 'c', sequence: 3 } });
  });

  it('decodes an answer with a binary value as a plain Uint8Array, also from a Buffer', () => {
    const frame = encodeResponse({ id: 1, ok: true, result: { value: Uint8Array.of(9, 8, 7), index: 4 }, leader: { id: 'n2', httpAddress: 'h:1' } });

    const decoded = decodeResponse(Buffer.from(frame));

    expect(decoded).toEqual({ ok: true, response: { id: 1, ok: true, result: { value: Uint8Array.of(9, 8, 7), index: 4 }, leader: { id: 'n2', httpAddress: 'h:1' } } });
    const value = decoded.ok && decoded.response.ok ? (decoded.response.result as { value: Uint8Array }).value : undefined;
    expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
  });

  it('drops a nil leader and a malformed retryAfterMs from an answer written by another msgpack library', () => {
    const frame = plain.pack({ id: 2, ok: false, error: { code: 'NO_LEADER', message: 'election', retryAfterMs: -1 }, leader: null });

    expect(decodeResponse(frame)).toEqual({ ok: true, response: { id: 2, ok: false, error: { code: 'NO_LEADER', message: 'election' } } });
  });

  it.each([
    ['truncated msgpack', Uint8Array.of(0x92, 0x01), 'not msgpack'],
    ['not a map', plain.pack([1, 2]), 'not a map'],
    ['no id', plain.pack({ ok: true, result: {} }), 'no integer id'],
    ['a fractional id', plain.pack({ id: 1.5, ok: true, result: {} }), 'no integer id'],
    ['no ok', plain.pack({ id: 1, result: {} }), 'no boolean ok'],
    ['no result', plain.pack({ id: 1, ok: true }), 'no result map'],
    ['an unknown error code', plain.pack({ id: 1, ok: false, error: { code: 'APPLIED_MAYBE', message: '' } }), 'no known error code'],
    ['a leader without id', plain.pack({ id: 1, ok: true, result: {}, leader: { httpAddress: 'h:1' } }), 'malformed leader'],
  ])('refuses an answer with %s', (_, frame, reason) => {
    const decoded = decodeResponse(frame);
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toContain(reason);
  });

  it('reads WebSocket payloads given as ArrayBuffer, Buffer or fragments, and refuses text', () => {
    expect(toBytes(Uint8Array.of(1, 2).buffer)).toEqual(Uint8Array.of(1, 2));
    expect(toBytes(Buffer.from([3, 4]))).toEqual(Uint8Array.of(3, 4));
    expect(toBytes([Buffer.from([5]), Buffer.from([6, 7])])).toEqual(Uint8Array.of(5, 6, 7));
    expect(toBytes('text')).toBeUndefined();
  });
});
