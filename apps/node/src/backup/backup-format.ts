/**
 * The backup file of `raftkit snapshot save` / `restore`, written as it streams:
 *
 *   RAFTKIT-BACKUP/1\n
 *   {"index","term","config","clusterId","nodeId","createdAt"}\n      the header: one JSON line
 *   <the state machine's snapshot bytes>
 *   \nRAFTKIT-BACKUP-END {"bodyBytes":N,"sha256":"<hex>"}\n          the trailer
 *
 * The SHA-256 covers the header line and the body, so a flipped bit or a cut anywhere is found
 * before anything is restored. The trailer comes last because a snapshot streams: its length and
 * digest are known only at the end.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { MembershipConfig } from '@raftkit/core';

/** MAGIC opens every backup file. */
export const MAGIC = 'RAFTKIT-BACKUP/1\n';
const TRAILER_MARK = '\nRAFTKIT-BACKUP-END ';
/** The header line is small; a longer first "line" means this is not a backup. */
const MAX_HEADER_BYTES = 1024 * 1024;

/** BackupHeader describes the snapshot a backup holds. */
export interface BackupHeader {
  /** The log index the snapshot reflects (every entry up to it is applied). */
  readonly index: number;
  /** The term of the entry at `index`. */
  readonly term: number;
  /** The membership of the cluster the backup was taken from. */
  readonly config: MembershipConfig;
  readonly clusterId: string;
  /** The node that took it. */
  readonly nodeId: string;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** BackupErrorCode names what is wrong with a backup file. */
export type BackupErrorCode =
  /** It does not start as a backup does. */
  | 'NOT_A_BACKUP'
  /** The header is not valid. */
  | 'BAD_HEADER'
  /** It ends before its trailer: cut short. */
  | 'TRUNCATED'
  /** The length or the checksum does not match: damaged. */
  | 'CHECKSUM_MISMATCH';

/** BackupError: a backup file that cannot be trusted; nothing was restored from it. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** BackupWriter makes the pieces of a backup stream and its running digest. */
export class BackupWriter {
  private readonly hash: Hash = createHash('sha256');
  private bodyBytes = 0;

  /** header is the magic line and the header line. */
  header(header: BackupHeader): Uint8Array {
    const line = Buffer.from(`${JSON.stringify(header)}\n`);
    this.hash.update(line);
    return Buffer.concat([Buffer.from(MAGIC), line]);
  }

  /** body passes a snapshot chunk through, counting it. */
  body(chunk: Uint8Array): Uint8Array {
    this.hash.update(chunk);
    this.bodyBytes += chunk.byteLength;
    return chunk;
  }

  /** trailer ends the stream with the length and digest. */
  trailer(): Uint8Array {
    return Buffer.from(`${TRAILER_MARK}${JSON.stringify({ bodyBytes: this.bodyBytes, sha256: this.hash.digest('hex') })}\n`);
  }
}

/** VerifiedBackup is a backup file whose checksum matched: where its body lies. */
export interface VerifiedBackup {
  readonly header: BackupHeader;
  readonly path: string;
  readonly bodyOffset: number;
  readonly bodyBytes: number;
}

/** verifyBackup reads the whole file and checks it. Throws BackupError, or the file system's error. */
export function verifyBackup(path: string): VerifiedBackup {
  const file = openSync(path, 'r');
  try {
    const size = fstatSync(file).size;
    const read = (offset: number, length: number): Buffer => {
      const buffer = Buffer.alloc(length);
      const got = readSync(file, buffer, 0, length, offset);
      return buffer.subarray(0, got);
    };
    const start = read(0, Math.min(size, MAX_HEADER_BYTES + MAGIC.length));
    if (!start.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw new BackupError('NOT_A_BACKUP', `${path} is not a raftkit backup (it does not start with ${JSON.stringify(MAGIC.trim())})`);
    const headerEnd = start.indexOf(0x0a, MAGIC.length);
    if (headerEnd < 0) throw new BackupError(size <= MAGIC.length + MAX_HEADER_BYTES ? 'TRUNCATED' : 'BAD_HEADER', `${path} has no complete header line`);
    const headerLine = start.subarray(MAGIC.length, headerEnd + 1);
    const header = parseHeader(headerLine.toString('utf8'), path);
    const bodyOffset = headerEnd + 1;

    const tailStart = Math.max(bodyOffset, size - 512);
    const tail = read(tailStart, size - tailStart);
    const mark = tail.lastIndexOf(TRAILER_MARK);
    if (mark < 0 || tail.at(-1) !== 0x0a) throw new BackupError('TRUNCATED', `${path} ends without its trailer: the backup was cut short`);
    let trailer: { bodyBytes?: unknown; sha256?: unknown };
    try {
      trailer = JSON.parse(tail.subarray(mark + TRAILER_MARK.length).toString('utf8')) as typeof trailer;
    } catch {
      throw new BackupError('TRUNCATED', `${path} has a damaged trailer`);
    }
    const bodyBytes = tailStart + mark - bodyOffset;
    if (trailer.bodyBytes !== bodyBytes || typeof trailer.sha256 !== 'string') {
      throw new BackupError('CHECKSUM_MISMATCH', `${path}: the trailer says ${String(trailer.bodyBytes)} bytes of snapshot, the file holds ${bodyBytes}`);
    }
    const hash = createHash('sha256').update(headerLine);
    const buffer = Buffer.alloc(1024 * 1024);
    for (let offset = bodyOffset; offset < bodyOffset + bodyBytes; ) {
      const got = readSync(file, buffer, 0, Math.min(buffer.length, bodyOffset + bodyBytes - offset), offset);
      if (got === 0) throw new BackupError('TRUNCATED', `${path} ended while reading`);
      hash.update(buffer.subarray(0, got));
      offset += got;
    }
    const digest = hash.digest('hex');
    if (digest !== trailer.sha256) throw new BackupError('CHECKSUM_MISMATCH', `${path} is damaged: its SHA-256 is ${digest}, the trailer says ${trailer.sha256}`);
    return { header, path, bodyOffset, bodyBytes };
  } finally {
    closeSync(file);
  }
}

function parseHeader(text: string, path: string): BackupHeader {
  let parsed: Partial<BackupHeader>;
  try {
    parsed = JSON.parse(text) as Partial<BackupHeader>;
  } catch {
    throw new BackupError('BAD_HEADER', `${path}: the header is not JSON`);
  }
  const config = parsed.config;
  if (!Number.isSafeInteger(parsed.index) || !Number.isSafeInteger(parsed.term) || typeof config !== 'object' || config === null || !Array.isArray(config.voters)) {
    throw new BackupError('BAD_HEADER', `${path}: the header lacks index, term or config`);
  }
  return parsed as BackupHeader;
}

/** readBody streams a verified backup's snapshot bytes in chunks of `chunkBytes`. */
export async function* readBody(backup: VerifiedBackup, chunkBytes = 1024 * 1024): AsyncIterable<Uint8Array> {
  const file = openSync(backup.path, 'r');
  try {
    const end = backup.bodyOffset + backup.bodyBytes;
    for (let offset = backup.bodyOffset; offset < end; ) {
      const buffer = Buffer.alloc(Math.min(chunkBytes, end - offset));
      const got = readSync(file, buffer, 0, buffer.length, offset);
      if (got === 0) throw new BackupError('TRUNCATED', `${backup.path} ended while reading`);
      offset += got;
      yield new Uint8Array(buffer.buffer, buffer.byteOffset, got);
    }
  } finally {
    closeSync(file);
  }
}
