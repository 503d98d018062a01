import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupError, BackupWriter, readBody, verifyBackup, type BackupHeader } from './backup-format.js';

const header: BackupHeader = { index: 42, term: 3, config: { voters: ['n1', 'n2', 'n3'], outgoingVoters: [], learners: [] }, clusterId: 'c1', nodeId: 'n1', createdAt: '2026-01-01T00:00:00.000Z' };
const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function writeBackup(body: readonly Uint8Array[]): string {
  const directory = mkdtempSync(join(tmpdir(), 'raftkit-backup-'));
  directories.push(directory);
  const writer = new BackupWriter();
  const path = join(directory, 'b.backup');
  writeFileSync(path, Buffer.concat([writer.header(header), ...body.map((chunk) => writer.body(chunk)), writer.trailer()]));
  return path;
}

async function bodyOf(path: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readBody(verifyBackup(path), 7)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function codeOf(path: string): string | undefined {
  try {
    verifyBackup(path);
  } catch (error) {
    if (error instanceof BackupError) return error.code;
    throw error;
  }
  return undefined;
}

describe('backup files', () => {
  it('round-trip: the header and the body bytes come back as written', async () => {
    const body = [Buffer.from('hello '), Buffer.from('world\n'), Buffer.alloc(1000, 7)];
    const path = writeBackup(body);
    expect(verifyBackup(path).header).toEqual(header);
    expect((await bodyOf(path)).equals(Buffer.concat(body))).toBe(true);
    // An empty body (an empty state machine) is a valid backup too.
    expect((await bodyOf(writeBackup([]))).byteLength).toBe(0);
  });

  it('refuses a flipped bit, a cut, and a file that is no backup, each with its own code', () => {
    const path = writeBackup([Buffer.alloc(5000, 1)]);
    const bytes = readFileSync(path);

    const flipped = Buffer.from(bytes);
    flipped[200] = flipped[200]! ^ 0x10;
    writeFileSync(path, flipped);
    expect(codeOf(path)).toBe('CHECKSUM_MISMATCH');

    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    expect(codeOf(path)).toBe('TRUNCATED');

    writeFileSync(path, bytes.subarray(0, 30));
    expect(codeOf(path)).toBe('TRUNCATED');

    const headerChanged = Buffer.from(bytes.toString('latin1').replace('"index":42', '"index":43'), 'latin1');
    writeFileSync(path, headerChanged);
    expect(codeOf(path)).toBe('CHECKSUM_MISMATCH');

    writeFileSync(path, 'PK\u0003\u0004 not a backup at all');
    expect(codeOf(path)).toBe('NOT_A_BACKUP');
  });
});
