import { describe, expect, it } from 'vitest';
import { Inflights } from './inflights.js';

describe('Inflights', () => {
  it('is full after maxMessages adds and refuses one more', () => {
    const window = new Inflights(3, 0);
    window.add(1, 10);
    window.add(2, 10);
    expect(window.full()).toBe(false);
    window.add(3, 10);
    expect(window.full()).toBe(true);
    expect(window.count).toBe(3);
    expect(() => window.add(4, 10)).toThrow(/full window/);
  });

  it('is full once the bytes in flight reach maxBytes, before the message bound', () => {
    const window = new Inflights(10, 100);
    window.add(1, 60);
    expect(window.full()).toBe(false);
    window.add(2, 40);
    expect(window.bytes).toBe(100);
    expect(window.count).toBe(2);
    expect(window.full()).toBe(true);
  });

  it('places no byte bound when maxBytes is 0', () => {
    const window = new Inflights(2, 0);
    window.add(1, 1_000_000_000);
    expect(window.full()).toBe(false);
  });

  it('freeLE frees every message ending at or before the index, in order, and their bytes', () => {
    const window = new Inflights(5, 0);
    window.add(2, 1);
    window.add(4, 2);
    window.add(7, 4);
    window.freeLE(3);
    expect(window.count).toBe(2);
    expect(window.bytes).toBe(6);
    window.freeLE(4);
    expect(window.count).toBe(1);
    expect(window.bytes).toBe(4);
    window.freeLE(1);
    expect(window.count).toBe(1);
    window.freeLE(100);
    expect(window.count).toBe(0);
    expect(window.bytes).toBe(0);
  });

  it('keeps send order across the ring boundary', () => {
    const window = new Inflights(3, 0);
    window.add(1, 1);
    window.add(2, 1);
    window.add(3, 1);
    window.freeLE(2);
    window.add(4, 1);
    window.add(5, 1); // wraps around
    expect(window.full()).toBe(true);
    window.freeLE(4);
    expect(window.count).toBe(1);
    expect(window.bytes).toBe(1);
    window.add(6, 1);
    window.add(7, 1);
    window.freeLE(6);
    expect(window.count).toBe(1);
    window.freeLE(7);
    expect(window.count).toBe(0);
  });

  it('reset empties the window', () => {
    const window = new Inflights(2, 10);
    window.add(1, 5);
    window.add(2, 5);
    expect(window.full()).toBe(true);
    window.reset();
    expect(window.count).toBe(0);
    expect(window.bytes).toBe(0);
    expect(window.full()).toBe(false);
    window.add(3, 1);
    window.freeLE(3);
    expect(window.count).toBe(0);
  });
});
