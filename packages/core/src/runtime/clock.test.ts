import { describe, expect, it } from 'vitest';
import { createRealClock, createVirtualClock } from './clock.js';

describe('createVirtualClock', () => {
  it('fires due timers in time order, same-time timers in the order they were set, and sets now to each due time', () => {
    const clock = createVirtualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    clock.advance(25);
    expect(fired).toEqual(['a@110', 'b1@120', 'b2@120']);
    expect(clock.now()).toBe(125);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(130);
    clock.advance(5);
    expect(fired.at(-1)).toBe('c@130');
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it('fires timers set by callbacks within the same advance when they fall due before its end', () => {
    const clock = createVirtualClock();
    const fired: number[] = [];
    const every10 = () => {
      fired.push(clock.now());
      clock.setTimeout(every10, 10);
    };
    clock.setTimeout(every10, 10);
    clock.advance(35);
    expect(fired).toEqual([10, 20, 30]);
    expect(clock.nextTimerAt()).toBe(40);
  });

  it('does not fire a cancelled timer, and treats negative or NaN delays as 0', () => {
    const clock = createVirtualClock();
    const fired: string[] = [];
    const cancel = clock.setTimeout(() => fired.push('cancelled'), 5);
    clock.setTimeout(() => fired.push('negative'), -3);
    clock.setTimeout(() => fired.push('nan'), Number.NaN);
    cancel();
    cancel();
    clock.advance(0);
    expect(fired).toEqual(['negative', 'nan']);
    clock.advance(10);
    expect(fired).toEqual(['negative', 'nan']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses to go backwards', () => {
    expect(() => createVirtualClock().advance(-1)).toThrow(RangeError);
  });
});

describe('createRealClock', () => {
  it('reads a monotonic now and cancels a timer before it fires', async () => {
    const clock = createRealClock();
    const before = clock.now();
    let fired = false;
    const cancel = clock.setTimeout(() => {
      fired = true;
    }, 0);
    cancel();
    // A second zero-delay timer fires after the cancelled one would have.
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 0));
    expect(fired).toBe(false);
    expect(clock.now()).toBeGreaterThanOrEqual(before);
  });
});
