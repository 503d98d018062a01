/**
 * Reading single samples out of Prometheus text exposition (what a raftkit node's and an etcd
 * member's `GET /metrics` answer). Only what the soak needs: a sample by metric name and label
 * values, no types, histograms or escaping beyond quoted label values.
 */

/** metricValue answers the first sample of `name` whose labels include `labels`, or undefined. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const rest = line.slice(name.length);
    // `name` must be the whole metric name, not a prefix of a longer one.
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const close = rest[0] === '{' ? rest.lastIndexOf('}') : -1;
    const sampleLabels = close < 0 ? {} : parseLabels(rest.slice(1, close));
    if (!Object.entries(labels).every(([label, value]) => sampleLabels[label] === value)) continue;
    const value = Number(rest.slice(close + 1).trim().split(' ')[0]);
    if (!Number.isNaN(value)) return value;
  }
  return undefined;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!.replace(/\\(.)/g, '$1');
  return labels;
}
