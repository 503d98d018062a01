/**
 * The peer secret: from `--secret-file` (the documented way: nothing shows in `ps` or the
 * environment of child processes), else `--secret` / `RAFTKIT_SECRET` / the config file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NodeConfigError } from './errors.js';

/**
 * resolveSecret reads the secret given inline or as a file (its content, trailing newline
 * trimmed), both from the same source (flags, environment or config file). Throws
 * UNREADABLE_FILE, INVALID_VALUE (an empty secret) or CONFLICTING_FLAGS (both forms at once).
 */
export function resolveSecret(inline: string | undefined, file: string | undefined, cwd: string): string | undefined {
  if (inline !== undefined && file !== undefined) throw new NodeConfigError('CONFLICTING_FLAGS', 'give the peer secret once: --secret (or RAFTKIT_SECRET) or --secret-file');
  let secret = inline;
  if (file !== undefined) {
    const path = resolve(cwd, file);
    try {
      secret = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new NodeConfigError('UNREADABLE_FILE', `--secret-file ${path}: ${(error as Error).message}`);
    }
  }
  if (secret !== undefined && secret.trim() === '') throw new NodeConfigError('INVALID_VALUE', 'the peer secret must not be empty');
  return secret;
}
