/**
 * startRespFront: the node's `--resp-listen`, composed. The RESP server runs its commands through
 * the node's Operations, so a write is answered once committed and applied, a read is
 * linearizable (ReadIndex, or the lease with --lease-reads), and a follower forwards both to the
 * leader in one hop, exactly as the HTTP API does.
 */
import type { Address } from '../cli/address.js';
import type { HttpContext } from '../http/context.js';
import type { RespBackend, TokenStore } from './resp-backend.js';
import { createRespServer, type RespServer } from './resp-server.js';

/** RespFront is a listening RESP server and its bound address. */
export interface RespFront {
  readonly server: RespServer;
  readonly address: string;
}

/** startRespFront listens on `listen`; `tokens`, when given, are the API tokens AUTH checks. */
export async function startRespFront(listen: Address, context: HttpContext, maxValueBytes: number, tokens?: TokenStore): Promise<RespFront> {
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
  return { server, address };
}
