import { describeStorageConformance } from '@raftkit/core/testing';
import { describe, expect, it } from 'vitest';
import { createSqliteStorage } from './sqlite-storage.js';
import { temporaryDirectory } from './test-support/temporary-directory.js';

describeStorageConformance(
  { describe, it, expect },
  {
    name: 'SqliteStorage',
    create() {
      const directory = temporaryDirectory('conformance');
      return {
        storage: createSqliteStorage({ directory: directory.path }),
        // A new instance over the same directory: a new worker, a new connection, the lock taken again.
        reopen: () => createSqliteStorage({ directory: directory.path }),
        dispose: () => directory.remove(),
      };
    },
  },
);
