/**
 * trackRole keeps this node's role, term and known leader as the runtime reports them
 * (`roleChanged`), so the request and apply paths read three fields instead of building a whole
 * `status()` (configuration, progress of every peer) once or twice per request.
 */
import type { RoleChangedEvent } from '@raftkit/core';

/** RoleSource is the part of a RaftNode the view needs. */
export interface RoleSource {
  on(event: 'roleChanged', listener: (payload: RoleChangedEvent) => void): () => void;
}

/** RoleView answers the last reported role, or undefined before the first report. */
export type RoleView = () => RoleChangedEvent | undefined;

/** trackRole subscribes to `node`'s role changes; call it before the node starts. */
export function trackRole(node: RoleSource): RoleView {
  let last: RoleChangedEvent | undefined;
  node.on('roleChanged', (event) => {
    last = event;
  });
  return () => last;
}
