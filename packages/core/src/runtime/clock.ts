/**
 * Clocks for the runtime. The protocol core never reads time; the runtime turns a Clock into
 * ticks and proposal timeouts. Tests use the virtual clock so that every run is the same.
 */
import type { Clock } from './interfaces.js';

/** createRealClock uses the host's timers and its monotonic `performance.now()`. */
export function createRealClock(): Clock {
  return {
    now: () => performance.now(),
    setTimeout(callback, ms) {
      const handle = setTimeout(callback, ms);
      return () => clearTimeout(handle);
    },
  };
}

/** VirtualClock is a Clock that moves only when told to, for deterministic tests and simulation. */
export interface VirtualClock extends Clock {
  /**
   * advance moves time forward by `ms`, firing every timer that falls due on the way in time
   * order (timers due at the same time fire in the order they were set), including timers set by
   * the callbacks themselves.
   */
  advance(ms: number): void;
  /** nextTimerAt is when the earliest pending timer is due, or undefined when none is. */
  nextTimerAt(): number | undefined;
  /** pendingTimers is how many timers are waiting. */
  readonly pendingTimers: number;
}

interface VirtualTimer {
  readonly due: number;
  readonly order: number;
  readonly callback: () => void;
}

/** createVirtualClock returns a clock at `start` ms that advances only through `advance()`. */
export function createVirtualClock(start = 0): VirtualClock {
  let now = start;
  let order = 0;
  // Kept sorted by (due, order), so the next timer to fire is always timers[0].
  const timers: VirtualTimer[] = [];

  const insert = (timer: VirtualTimer): void => {
    let low = 0;
    let high = timers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = timers[middle]!;
      if (other.due < timer.due || (other.due === timer.due && other.order < timer.order)) low = middle + 1;
      else high = middle;
    }
    timers.splice(low, 0, timer);
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      const timer: VirtualTimer = { due: now + delay, order: order++, callback };
      insert(timer);
      return () => {
        const position = timers.indexOf(timer);
        if (position >= 0) timers.splice(position, 1);
      };
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(${ms}): expected a finite, non-negative number of ms`);
      const target = now + ms;
      for (let next = timers[0]; next !== undefined && next.due <= target; next = timers[0]) {
        timers.shift();
        now = next.due;
        next.callback();
      }
      now = target;
    },
    nextTimerAt: () => timers[0]?.due,
    get pendingTimers() {
      return timers.length;
    },
  };
}
