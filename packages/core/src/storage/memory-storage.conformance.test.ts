import { describe, expect, it } from 'vitest';
import { describeStorageConformance } from '../testing/storage-conformance.js';
import { createMemoryStorage } from './memory-storage.js';

describeStorageConformance(
  { describe, it, expect },
  {
    name: 'MemoryStorage',
    create() {
      // MemoryStorage's data outlives close(), as a disk outlives a process: reopening is loading
      // the same instance again.
      const storage = createMemoryStorage();
      return { storage, reopen: () => storage };
    },
  },
);
