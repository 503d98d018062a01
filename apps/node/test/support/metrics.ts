/**
 * Reading a node's `GET /metrics` as Prometheus would: the HTTP text parsed by a Prometheus text
 * format parser (`parse-prometheus-text-format`), so a malformed exposition fails the test.
 *
 * That parser folds the series of a labelled histogram into one (it groups buckets by `le`
 * only), so histogram counts are read from the `NAME_count{...}` lines of the same text, after
 * the parser has accepted it and confirmed the family is a histogram.
 */
import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format';
import { call, type NodeProcess } from './cluster.js';

/** Scrape is one node's parsed exposition. */
export class Scrape {
  constructor(
    readonly families: readonly PrometheusFamily[],
    private readonly text: string,
  ) {}

  family(name: string): PrometheusFamily {
    const family = this.families.find((candidate) => candidate.name === name);
    if (family === undefined) throw new Error(`no metric ${name} in the scrape`);
    return family;
  }

  /** samples of `name` whose labels include `labels`. */
  samples(name: string, labels: Readonly<Record<string, string>> = {}): PrometheusSample[] {
    return this.family(name).metrics.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  }

  /** value of the one counter or gauge sample of `name` with `labels`. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    const samples = this.samples(name, labels);
    if (samples.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${samples.length} samples`);
    return Number(samples[0]!.value);
  }

  /** count of the one histogram sample of `name` with `labels`. */
  count(name: string, labels: Readonly<Record<string, string>> = {}): number {
    if (this.family(name).type !== 'HISTOGRAM') throw new Error(`${name} is not a histogram`);
    const counts = this.text
      .split('\n')
      .map((line) => /^(\w+)_count(?:\{(.*)\})? (\S+)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null && match[1] === name)
      .map((match) => ({ labels: Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1]!, pair[2]!])), count: Number(match[3]) }))
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
    if (counts.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${counts.length} series`);
    return counts[0]!.count;
  }
}

/** scrape fetches and parses a node's metrics. */
export async function scrape(node: NodeProcess): Promise<Scrape> {
  const answer = await call(node, 'GET', '/metrics');
  if (answer.status !== 200) throw new Error(`GET /metrics on ${node.id}: ${answer.status}`);
  return new Scrape(parsePrometheusTextFormat(answer.text), answer.text);
}
