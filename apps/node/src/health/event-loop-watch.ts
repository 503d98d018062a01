/**
 * The event loop's heartbeat for `GET /livez`: a timer notes when it last ran. A request that is
 * answered at all proves the loop turns; the timer's age proves it turns on time (a loop blocked
 * for seconds by a runaway computation answers late, and its timer shows it).
 */

/** EventLoopWatch tells how long ago the loop last ran its timer. */
export interface EventLoopWatch {
  /** Milliseconds since the timer last ran: about `everyMs` when the loop is healthy. */
  staleMs(): number;
  stop(): void;
}

/** createEventLoopWatch starts a timer every `everyMs`; it does not keep the process alive. */
export function createEventLoopWatch(everyMs = 500): EventLoopWatch {
  let last = performance.now();
  const timer = setInterval(() => {
    last = performance.now();
  }, everyMs);
  timer.unref();
  return {
    staleMs: () => performance.now() - last,
    stop: () => clearInterval(timer),
  };
}
