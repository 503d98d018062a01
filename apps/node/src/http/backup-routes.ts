/**
 * `GET /v1/snapshot`: a consistent backup of the cluster's state, streamed (the file
 * `raftkit snapshot save` writes; format in backup/backup-format.ts). Any member answers: it
 * first confirms with the leader that it has applied every acknowledged write (ReadIndex), so
 * the backup holds them all. Once API tokens exist this route needs the `admin` role: it hands
 * out every key and value.
 */
import type { IncomingMessage } from 'node:http';
import { readBody } from './body.js';
import type { HttpContext } from './context.js';
import type { HttpResponse } from './response.js';

/** snapshot streams a backup; its index and term are also in the headers. */
export async function snapshot(context: HttpContext, request: IncomingMessage): Promise<HttpResponse> {
  await readBody(request, context.maxBodyBytes);
  const backup = await context.backup();
  return {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="raftkit-${backup.header.clusterId}-${backup.header.index}.backup"`,
      'x-raft-index': String(backup.header.index),
      'x-raft-term': String(backup.header.term),
    },
    body: backup.bytes,
  };
}
