/**
 * `--peer-tls-cert`, `--peer-tls-key`, `--peer-tls-ca`: mutual TLS between peers. All three or
 * none; the files are read at start, so a missing or unreadable one stops the start before
 * anything listens.
 */
import { readFileSync } from 'node:fs';
import type { PeerTlsOptions } from '@raftkit/transport-ws';
import { NodeConfigError } from './errors.js';

/** PeerTlsFiles are the paths of the three PEM files. */
export interface PeerTlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** peerTlsFiles checks that the three flags come together. Throws CONFLICTING_FLAGS. */
export function peerTlsFiles(cert: string | undefined, key: string | undefined, ca: string | undefined): PeerTlsFiles | undefined {
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if (cert === undefined || key === undefined || ca === undefined) {
    throw new NodeConfigError('CONFLICTING_FLAGS', '--peer-tls-cert, --peer-tls-key and --peer-tls-ca go together: give all three or none');
  }
  return { cert, key, ca };
}

/** readPeerTls reads the PEM files for the transport's `tls` option. Throws INVALID_VALUE. */
export function readPeerTls(files: PeerTlsFiles): PeerTlsOptions {
  const read = (path: string, flag: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new NodeConfigError('INVALID_VALUE', `${flag}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  return { cert: read(files.cert, '--peer-tls-cert'), key: read(files.key, '--peer-tls-key'), ca: read(files.ca, '--peer-tls-ca') };
}
