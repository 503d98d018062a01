import { describe, expect, it } from 'vitest';
import { formatAnswer } from './output-format.js';

describe('-o table', () => {
  it('lists every member with its role and both addresses, and marks unknown ones', () => {
    const text = formatAnswer('table', 'members list', {
      clusterId: 'c',
      leader: 'n2',
      voters: ['n2', 'n1'],
      learners: ['n3'],
      outgoing: [],
      peerAddresses: { n1: '127.0.0.1:7001', n2: '127.0.0.1:7002', n3: '127.0.0.1:7003' },
      httpAddresses: { n1: '127.0.0.1:8001', n2: '127.0.0.1:8002' },
    });
    expect(text.split('\n')).toEqual([
      'ID  ROLE     LEADER  PEER ADDRESS    HTTP ADDRESS',
      'n1  voter            127.0.0.1:7001  127.0.0.1:8001',
      'n2  voter    yes     127.0.0.1:7002  127.0.0.1:8002',
      'n3  learner          127.0.0.1:7003  (unknown)',
      '',
    ]);
  });

  it('prints other answers as fields, errors as one line, and JSON unchanged with -o json', () => {
    expect(formatAnswer('table', 'status', { id: 'n1', term: 3 })).toBe('FIELD  VALUE\nid     n1\nterm   3\n');
    expect(formatAnswer('table', 'status', { error: { code: 'NO_LEADER', message: 'none' } })).toBe('error NO_LEADER: none\n');
    expect(formatAnswer('json', 'status', { id: 'n1' })).toBe('{\n  "id": "n1"\n}\n');
  });
});
