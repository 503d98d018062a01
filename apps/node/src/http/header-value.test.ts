import { describe, expect, it } from 'vitest';
import { safeHeaders, safeHeaderValue } from './header-value.js';

describe('header values', () => {
  it('keeps Latin-1 text and percent-encodes anything writeHead would refuse', () => {
    expect(safeHeaderValue('n1')).toBe('n1');
    expect(safeHeaderValue('café')).toBe('café');
    expect(safeHeaderValue('узел1')).toBe(encodeURIComponent('узел1'));
    expect(safeHeaderValue('a\r\nset-cookie: x')).toBe(encodeURIComponent('a\r\nset-cookie: x'));
  });

  it('drops header names that are not tokens', () => {
    expect(safeHeaders({ 'x-raft-leader': 'узел1', 'bad name': 'x' })).toEqual({ 'x-raft-leader': encodeURIComponent('узел1') });
  });
});
