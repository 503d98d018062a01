/**
 * LatencyRecorder keeps every latency sample of a load run (milliseconds, from performance.now(),
 * which has sub-microsecond resolution in Node) and answers percentiles exactly, by sorting. A
 * five-second run at tens of thousands of operations per second is a few hundred KB of samples.
 */

/** LatencySummary is a run's latency distribution, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** LatencyRecorder collects samples and summarizes them. */
export class LatencyRecorder {
  private samples = new Float64Array(1024);
  private count = 0;

  /** record adds one latency in milliseconds. */
  record(milliseconds: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = milliseconds;
  }

  /** summary sorts the samples and returns mean, p50, p99 and max (all 0 when there are none). */
  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
    const sorted = this.samples.slice(0, this.count).sort();
    let total = 0;
    for (const sample of sorted) total += sample;
    return { count: this.count, mean: total / this.count, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[this.count - 1]! };
  }
}

/** percentile is the nearest-rank percentile `p` (0–100] of ascending `sorted` samples. */
export function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
