import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeDiskFault } from './disk-probe.js';

// EIO and EROFS need a failing disk: test/disk-faults.e2e.test.ts probes a real one (FUSE).
describe('probeDiskFault', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('finds no fault on a healthy disk and leaves no probe file behind', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'raftkit-probe-'));
    directories.push(directory);
    expect(await probeDiskFault(directory)).toBeUndefined();
    expect(existsSync(join(directory, '.disk-probe'))).toBe(false);
  });

  it('names no disk fault for another error (a missing directory)', async () => {
    expect(await probeDiskFault(join(tmpdir(), 'raftkit-probe-missing', 'nowhere'))).toBeUndefined();
  });
});
