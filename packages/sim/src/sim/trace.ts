/**
 * Trace: the simulator's event log. Every event of a run is one line `<virtual ms> <event>`. The
 * trace always keeps a running hash of every line (two runs of one seed must hash equal, byte for
 * byte) and the last few lines (printed with a violation); it keeps every line only on request,
 * because a long run writes tens of thousands.
 */

/** TraceOptions: how much of the trace to keep. */
export interface TraceOptions {
  /** Keep every line in `lines`. Default false (hash and recent lines only). */
  readonly record?: boolean;
  /** How many of the last lines to keep for violation reports. Default 50. */
  readonly recent?: number;
}

/** Trace records a run's events. */
export class Trace {
  /** Every line, oldest first, when recording was asked for; otherwise undefined. */
  readonly lines: string[] | undefined;
  private readonly recentLimit: number;
  private readonly ring: string[] = [];
  private ringStart = 0;
  private count = 0;
  // Two independent 32-bit FNV-1a lanes over the whole text (lines joined by '\n'): 64 bits, so
  // two different traces hashing equal by accident is not a practical concern.
  private lane1 = 0x811c9dc5;
  private lane2 = 0x01000193 ^ 0x5bd1e995;

  constructor(options: TraceOptions = {}) {
    this.lines = options.record === true ? [] : undefined;
    this.recentLimit = Math.max(1, options.recent ?? 50);
  }

  /** length is how many lines were recorded. */
  get length(): number {
    return this.count;
  }

  /** record appends the line `<time> <text>`. */
  record(time: number, text: string): void {
    const line = `${time} ${text}`;
    this.count++;
    this.lines?.push(line);
    if (this.ring.length < this.recentLimit) this.ring.push(line);
    else {
      this.ring[this.ringStart] = line;
      this.ringStart = (this.ringStart + 1) % this.recentLimit;
    }
    let lane1 = this.lane1;
    let lane2 = this.lane2;
    for (let i = 0; i < line.length; i++) {
      const code = line.charCodeAt(i);
      lane1 = Math.imul(lane1 ^ code, 0x01000193);
      lane2 = Math.imul(lane2 ^ code, 0x5bd1e995);
    }
    this.lane1 = Math.imul(lane1 ^ 10, 0x01000193);
    this.lane2 = Math.imul(lane2 ^ 10, 0x5bd1e995);
  }

  /** hash is a 16-hex-digit digest of every line recorded so far. */
  hash(): string {
    return (this.lane1 >>> 0).toString(16).padStart(8, '0') + (this.lane2 >>> 0).toString(16).padStart(8, '0');
  }

  /** recent returns the last lines, oldest first. */
  recent(): string[] {
    return [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)];
  }
}
