/**
 * startRespFront: the node's `--resp-listen`, composed. The RESP server runs its commands through
 * the node's Operations, so a write is answered once committed and applied, a read is
 * linearizable (ReadIndex, or the lease with --lease-reads), and a follower forwards both to the
 * leader in one hop, exactly as the HTTP API does.
 */
import type { Address } from '../cli/address.js';
import type { HttpContext } from '../http/context.js';
import type { RespBackend, TokenStore } from './resp-backend.js';
import { createRespServer } from './resp-server.js';

/** RespFront is a listening RESP server and its bound address. */
export interface RespFront {
  readonly address: string;
  /** close stops the expiry sweeps and the server (see RespServer.close). */
  close(): Promise<void>;
}

/** ExpiryView is what the front asks the local KV store: is an expiry due by this (leader) clock? */
export interface ExpiryView {
  hasExpiryDue(nowMs: number): boolean;
}

/** The leader checks this often for keys whose expiry is due, and proposes a sweep when it finds one. */
const SWEEP_EVERY_MS = 1000;

/**
 * startRespFront listens on `listen`; `tokens`, when given, are the API tokens AUTH checks. While
 * this node leads, it proposes a sweep entry once a second when `expiries` has a key due by its
 * clock, so keys that expire unread leave memory; which keys go is decided in apply.
 */
export async function startRespFront(listen: Address, context: HttpContext, maxValueBytes: number, expiries: ExpiryView, tokens?: TokenStore): Promise<RespFront> {
  const backend: RespBackend = {
    write: (command) => context.operations.write(command, { kind: 'none' }),
    query: (query) => context.operations.query(query),
    status: () => {
      try {
        return context.status();
      } catch {
        return undefined;
      }
    },
  };
  const server = createRespServer({ backend, maxValueBytes, logger: context.logger.child({ api: 'resp' }), ...(tokens === undefined ? {} : { tokens }) });
  const address = await server.listen(listen.host, listen.port);
  let sweeping = false;
  const sweeps = setInterval(() => {
    if (sweeping || context.rawStatus()?.role !== 'leader' || !expiries.hasExpiryDue(Date.now())) return;
    sweeping = true;
    backend
      .write({ op: 'sweep', atMs: 0 })
      .catch((error: unknown) => context.logger.debug({ err: error }, 'expiry sweep not applied'))
      .finally(() => (sweeping = false));
  }, SWEEP_EVERY_MS);
  sweeps.unref();
  return {
    address,
    close: () => {
      clearInterval(sweeps);
      return server.close();
    },
  };
}
