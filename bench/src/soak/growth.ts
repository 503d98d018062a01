/**
 * Pure arithmetic of the soak: does a node's RSS stay flat after the first minute? No I/O, so it
 * is unit-tested (growth.test.ts).
 *
 * A node is GROWING when, after the first minute, its RSS leaves ±band (15%) of its own median
 * over that time, or when it rises at every sample across the last half of that time (and by a
 * real amount: a few pages more at each sample is noise, not a leak).
 */
import { median } from '../compare-etcd/summary.js';

/** One memory sample of one node. */
export interface RssPoint {
  /** Seconds since the load started. */
  readonly atSeconds: number;
  /** Resident set size; undefined when the sample failed. */
  readonly rssBytes: number | undefined;
}

/** How the verdict is reached. */
export interface GrowthRules {
  /** Samples before this are the warm-up, not judged (60: the first minute). */
  readonly settleSeconds: number;
  /** The allowed spread around the median, as a fraction (0.15). */
  readonly band: number;
  /** The last half needs at least this many samples to judge a monotonic rise (4). */
  readonly minRisingSamples: number;
  /** A monotonic rise counts when the last half gains at least this fraction of the median (0.02). */
  readonly minRiseFraction: number;
}

/** The defaults issue 13 asks for. */
export const GROWTH_RULES: GrowthRules = { settleSeconds: 60, band: 0.15, minRisingSamples: 4, minRiseFraction: 0.02 };

/** RssSummary is one node's RSS after the first minute and the verdict. */
export interface RssSummary {
  readonly node: string;
  /** Samples judged (after the first minute, failed ones left out). */
  readonly samples: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly medianBytes: number;
  /** min / median − 1 and max / median − 1, in percent. */
  readonly lowPercent: number;
  readonly highPercent: number;
  /** Whether every judged sample is within ±band of the median. */
  readonly withinBand: boolean;
  /** Whether the RSS rose at every sample of the last half; undefined when too few samples to say. */
  readonly risingLastHalf: boolean | undefined;
  readonly growing: boolean;
  /** Why it is growing, or why it could not be judged; empty when flat. */
  readonly notes: readonly string[];
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** summarizeRss judges `points` of `node` by `rules`. */
export function summarizeRss(node: string, points: readonly RssPoint[], rules: GrowthRules = GROWTH_RULES): RssSummary {
  const judged = points.filter((point) => point.atSeconds >= rules.settleSeconds && point.rssBytes !== undefined).map((point) => point.rssBytes!);
  if (judged.length === 0) {
    return { node, samples: 0, minBytes: NaN, maxBytes: NaN, medianBytes: NaN, lowPercent: NaN, highPercent: NaN, withinBand: true, risingLastHalf: undefined, growing: false, notes: [`no samples after the first ${rules.settleSeconds} s: too short to judge`] };
  }
  const minBytes = Math.min(...judged);
  const maxBytes = Math.max(...judged);
  const medianBytes = median(judged);
  const lowPercent = (minBytes / medianBytes - 1) * 100;
  const highPercent = (maxBytes / medianBytes - 1) * 100;
  const withinBand = -lowPercent <= rules.band * 100 && highPercent <= rules.band * 100;
  const lastHalf = judged.slice(Math.floor(judged.length / 2));
  const notes: string[] = [];
  let risingLastHalf: boolean | undefined;
  if (lastHalf.length < rules.minRisingSamples) {
    notes.push(`${lastHalf.length} samples in the last half: too few to judge a steady rise (needs ${rules.minRisingSamples})`);
  } else {
    const everyStepUp = lastHalf.every((value, position) => position === 0 || value >= lastHalf[position - 1]!);
    risingLastHalf = everyStepUp && lastHalf.at(-1)! - lastHalf[0]! >= rules.minRiseFraction * medianBytes;
    if (risingLastHalf) notes.push(`RSS rose at every sample across the last half, ${mib(lastHalf[0]!)} → ${mib(lastHalf.at(-1)!)} MiB`);
  }
  if (!withinBand) notes.unshift(`RSS ${mib(minBytes)}–${mib(maxBytes)} MiB after the first minute leaves ±${rules.band * 100}% of its median ${mib(medianBytes)} MiB (${lowPercent.toFixed(1)}% / +${highPercent.toFixed(1)}%)`);
  return { node, samples: judged.length, minBytes, maxBytes, medianBytes, lowPercent, highPercent, withinBand, risingLastHalf, growing: !withinBand || risingLastHalf === true, notes };
}

/** FigureCheck says whether every node's highest RSS after the first minute is at most `limitBytes`. */
export interface FigureCheck {
  readonly against: string;
  readonly limitBytes: number;
  /** undefined when a node has no samples after the first minute (the run was too short to judge). */
  readonly met: boolean | undefined;
  /** The nodes above the limit. */
  readonly over: readonly string[];
}

/** checkFigure compares each node's highest judged RSS with `limitBytes`. */
export function checkFigure(against: string, limitBytes: number, summaries: readonly RssSummary[]): FigureCheck {
  const over = summaries.filter((summary) => summary.maxBytes > limitBytes).map((summary) => summary.node);
  const judged = summaries.length > 0 && summaries.every((summary) => summary.samples > 0);
  return { against, limitBytes, met: judged ? over.length === 0 : undefined, over };
}
