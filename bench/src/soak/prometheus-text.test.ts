import { describe, expect, it } from 'vitest';
import { metricValue } from './prometheus-text.js';

const text = [
  '# HELP process_resident_memory_bytes Resident memory size in bytes.',
  '# TYPE process_resident_memory_bytes gauge',
  'process_resident_memory_bytes{node="n1"} 283115520',
  'nodejs_heap_size_used_bytes_total{node="n1"} 1',
  'nodejs_heap_size_used_bytes{node="n1"} 91234567',
  'raftkit_role{role="follower",node="n1"} 0',
  'raftkit_role{role="leader",node="n1"} 1',
  'raftkit_snapshot_index{node="n1"} 40000',
  'go_memstats_heap_inuse_bytes 5.1e+07',
  'odd{path="a\\"b"} 7',
].join('\n');

describe('metricValue', () => {
  it('reads a sample by its whole name, not a longer name it prefixes', () => {
    expect(metricValue(text, 'process_resident_memory_bytes')).toBe(283115520);
    expect(metricValue(text, 'nodejs_heap_size_used_bytes')).toBe(91234567);
  });

  it('picks the sample whose labels match, in any label order', () => {
    expect(metricValue(text, 'raftkit_role', { role: 'leader' })).toBe(1);
    expect(metricValue(text, 'raftkit_role', { node: 'n1', role: 'follower' })).toBe(0);
    expect(metricValue(text, 'raftkit_role', { role: 'candidate' })).toBeUndefined();
  });

  it('reads unlabelled samples, exponents and escaped label values, and answers undefined for a missing metric', () => {
    expect(metricValue(text, 'go_memstats_heap_inuse_bytes')).toBe(51_000_000);
    expect(metricValue(text, 'odd', { path: 'a"b' })).toBe(7);
    expect(metricValue(text, 'raftkit_term')).toBeUndefined();
  });
});
