import { describe, expect, it } from 'vitest';
import { createMemoryNetwork } from './memory-transport.js';
import { describeTransportConformance } from './transport-conformance.js';

// The in-memory transport keeps the same contract as a real one, so tests built on it hold there.
describeTransportConformance(
  { describe, it, expect },
  {
    name: 'createMemoryNetwork',
    async create(ids) {
      const network = createMemoryNetwork();
      return { transports: Object.fromEntries(ids.map((id) => [id, network.transport(id)])) };
    },
  },
);
