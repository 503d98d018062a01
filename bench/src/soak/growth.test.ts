import { describe, expect, it } from 'vitest';
import { checkFigure, summarizeRss, type RssPoint } from './growth.js';

const MiB = 2 ** 20;
/** series turns RSS values in MiB, one each 10 s from t = 0, into points. */
const series = (mibs: readonly (number | undefined)[]): RssPoint[] => mibs.map((value, position) => ({ atSeconds: position * 10, rssBytes: value === undefined ? undefined : value * MiB }));

describe('summarizeRss', () => {
  it('calls a series flat when it wobbles within ±15% of its median after the first minute, ignoring the warm-up', () => {
    // The first six samples (0–50 s) climb from 80 to 240 MiB while the process warms up: not judged.
    const summary = summarizeRss('n1', series([80, 150, 200, 220, 230, 240, 250, 262, 245, 258, 251, 249, 260, 247, 255, 252]));
    expect(summary.samples).toBe(10);
    expect(summary.minBytes).toBe(245 * MiB);
    expect(summary.maxBytes).toBe(262 * MiB);
    expect(summary.medianBytes).toBe(251.5 * MiB);
    expect(summary.withinBand).toBe(true);
    expect(summary.risingLastHalf).toBe(false);
    expect(summary.growing).toBe(false);
    expect(summary.notes).toEqual([]);
  });

  it('calls a series GROWING when a sample after the first minute leaves the band, and says by how much', () => {
    const summary = summarizeRss('n2', series([100, 100, 100, 100, 100, 100, 200, 200, 200, 200, 240, 200, 200]));
    expect(summary.highPercent).toBeCloseTo(20);
    expect(summary.withinBand).toBe(false);
    expect(summary.growing).toBe(true);
    expect(summary.notes[0]).toMatch(/leaves ±15% of its median 200\.0 MiB/);
  });

  it('calls a slow steady rise across the last half GROWING even inside the band', () => {
    // 12 judged samples; the last six rise 200 → 212 MiB (6% of the median), each at least as high as the one before.
    const summary = summarizeRss('n3', series([0, 0, 0, 0, 0, 0, 201, 199, 202, 198, 200, 201, 200, 202, 204, 206, 209, 212]));
    expect(summary.withinBand).toBe(true);
    expect(summary.risingLastHalf).toBe(true);
    expect(summary.growing).toBe(true);
    expect(summary.notes).toEqual(['RSS rose at every sample across the last half, 200.0 → 212.0 MiB']);
  });

  it('does not count a rise of a few pages as steady growth, nor one step down among rises', () => {
    const tiny = summarizeRss('n1', series([0, 0, 0, 0, 0, 0, 200, 200, 200, 200, 200.1, 200.2, 200.3, 200.4]));
    expect(tiny.risingLastHalf).toBe(false);
    const dip = summarizeRss('n1', series([0, 0, 0, 0, 0, 0, 200, 200, 200, 200, 204, 208, 207, 212]));
    expect(dip.risingLastHalf).toBe(false);
    expect(dip.growing).toBe(false);
  });

  it('leaves failed samples out, and says when a run is too short to judge', () => {
    const gaps = summarizeRss('n1', series([100, 100, 100, 100, 100, 100, 200, undefined, 210, 205]));
    expect(gaps.samples).toBe(3);
    expect(gaps.risingLastHalf).toBeUndefined();
    expect(gaps.notes[0]).toMatch(/too few to judge a steady rise/);
    const short = summarizeRss('n1', series([100, 120, 130]));
    expect(short.samples).toBe(0);
    expect(short.growing).toBe(false);
    expect(short.notes[0]).toMatch(/too short to judge/);
  });
});

describe('checkFigure', () => {
  it('is met when the highest RSS of every node is at most the limit, and not judged when a node has no samples', () => {
    const low = summarizeRss('n1', series([0, 0, 0, 0, 0, 0, 150, 160, 155]));
    const high = summarizeRss('n2', series([0, 0, 0, 0, 0, 0, 150, 170, 155]));
    const none = summarizeRss('n3', series([100]));
    expect(checkFigure('etcd', 163 * MiB, [low])).toMatchObject({ met: true, over: [] });
    expect(checkFigure('etcd', 163 * MiB, [low, high])).toMatchObject({ met: false, over: ['n2'] });
    expect(checkFigure('etcd', 163 * MiB, [low, none])).toMatchObject({ met: undefined, over: [] });
    expect(checkFigure('etcd', 163 * MiB, []).met).toBeUndefined();
  });
});
