/**
 * Real transports on loopback for tests: each listens on 127.0.0.1 port 0, and once all listen,
 * each learns the others' addresses through `setPeers` (as a node learns them from membership).
 */
import type { Message, NodeId } from '@raftkit/core';
import { createWsTransport, type WsTransport } from '../ws-transport.js';
import type { WsTransportOptions } from '../options.js';
import { createRecordingLogger } from './recording-logger.js';

/** TestNode is one started transport with what it received and logged. */
export interface TestNode {
  readonly id: NodeId;
  readonly transport: WsTransport;
  readonly received: { from: NodeId; message: Message }[];
  readonly logger: ReturnType<typeof createRecordingLogger>;
  /** `host:port` the node listens on. */
  readonly address: string;
}

/**
 * Options every test node gets unless the test overrides them: fast reconnects, and no secret
 * (`insecure`) unless the test gives one.
 */
export const testDefaults = { clusterId: 'test-cluster', reconnect: { minMs: 5, maxMs: 40 }, insecure: true } as const;

/**
 * startNode starts one transport on 127.0.0.1 (port 0 unless given). Peers start empty unless
 * `options.peers` says otherwise.
 */
export async function startNode(id: NodeId, options: Partial<WsTransportOptions> = {}): Promise<TestNode> {
  const logger = createRecordingLogger();
  const transport = createWsTransport({ ...testDefaults, id, listen: { host: '127.0.0.1', port: 0 }, peers: {}, logger, ...options });
  const received: TestNode['received'] = [];
  await transport.start((from, message) => received.push({ from, message }));
  const { port } = transport.address();
  return { id, transport, received, logger, address: `127.0.0.1:${port}` };
}

/** startCluster starts one node per id (each with `options[id]`), then gives each the others' addresses. */
export async function startCluster(ids: readonly NodeId[], options: Partial<WsTransportOptions> | ((id: NodeId) => Partial<WsTransportOptions>) = {}): Promise<Record<NodeId, TestNode>> {
  const nodes: Record<NodeId, TestNode> = {};
  for (const id of ids) nodes[id] = await startNode(id, typeof options === 'function' ? options(id) : options);
  const table = Object.fromEntries(ids.map((id) => [id, nodes[id]!.address]));
  for (const id of ids) nodes[id]!.transport.setPeers(table);
  return nodes;
}

/** closeAll closes every node's transport. */
export async function closeAll(nodes: Record<NodeId, TestNode> | readonly TestNode[]): Promise<void> {
  await Promise.all(Object.values(nodes).map((node: TestNode) => node.transport.close()));
}
