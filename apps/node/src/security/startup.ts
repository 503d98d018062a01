/**
 * What `raftkit start` reads and says about security before it opens anything: the tokens file
 * and the TLS pair (a bad one stops the start with a typed error), and a warning for each thing
 * that leaves the node exposed (no peer secret, a secret on argv, an open API), logged at every
 * start so an operator cannot miss it.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { NodeConfigError } from '../cli/errors.js';
import type { StartOptions } from '../cli/start-options.js';
import type { NodeSecurity } from '../node.js';
import { createTokenStore, TokensFileError } from './tokens.js';

/** MIN_SECRET_LENGTH: a shorter secret is guessable offline from one recorded handshake. */
export const MIN_SECRET_LENGTH = 16;

/** loadSecurity reads the tokens file and the TLS pair. Throws NodeConfigError UNREADABLE_FILE. */
export function loadSecurity(options: StartOptions): NodeSecurity {
  let tokens;
  try {
    tokens = createTokenStore(options.tokensFile);
  } catch (error) {
    if (error instanceof TokensFileError) throw new NodeConfigError('UNREADABLE_FILE', `--tokens-file: ${error.message}`);
    throw error;
  }
  if (options.tls === undefined) return { tokens };
  const read = (path: string, flag: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new NodeConfigError('UNREADABLE_FILE', `${flag} ${path}: ${(error as Error).message}`);
    }
  };
  return { tokens, tls: { cert: read(options.tls.certFile, '--tls-cert'), key: read(options.tls.keyFile, '--tls-key') } };
}

/** warnAboutExposure logs what in this configuration an attacker on the network could use. */
export function warnAboutExposure(options: StartOptions, security: NodeSecurity, logger: Logger): void {
  for (const warning of options.warnings) logger.warn(warning);
  if (options.secret === undefined) {
    logger.warn('--insecure: peers do not authenticate; anyone who reaches --peer-listen can act as a member of this cluster');
  } else if (options.secret.length < MIN_SECRET_LENGTH) {
    logger.warn(`the peer secret is shorter than ${MIN_SECRET_LENGTH} characters: use a long random one (openssl rand -hex 32)`);
  }
  if (security.tokens?.open !== false) {
    logger.warn('the API is open: no --tokens-file, so anyone who reaches --http-listen may read, write and change membership');
  }
  if (security.tls === undefined) logger.info('the API speaks plain HTTP (no --tls-cert): tokens and values cross the network in the clear');
}
