/**
 * Test plumbing: fake nodes and clients made through these are closed after each test, and
 * clients retry fast (a few ms of backoff) so tests run at loopback speed.
 */
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { createClient, type ClientOptions, type RaftkitClient } from '../client.js';
import { startFakeNode, type FakeNode, type FakeNodeOptions } from './fake-node.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** fakeNode starts a fake node that is closed after the test. */
export async function fakeNode(options: FakeNodeOptions = {}): Promise<FakeNode> {
  const fake = await startFakeNode(options);
  cleanups.push(() => fake.close());
  return fake;
}

/** testClient creates a client (ws injected, fast retries) that is closed after the test. */
export function testClient(options: ClientOptions): RaftkitClient {
  const client = createClient({ WebSocket, retry: { minMs: 2, maxMs: 10 }, ...options });
  cleanups.push(() => client.close());
  return client;
}

/**
 * connected resolves once `client` holds an open connection (a `status` call made it), so a
 * test's deadline covers its attempts, not a connection set up on a loaded machine.
 */
export async function connected(client: RaftkitClient): Promise<void> {
  // A test's short deadline may be too short for the first connection on a loaded machine.
  for (let attempt = 1; ; attempt++) {
    try {
      await client.status();
      return;
    } catch (error) {
      if (attempt === 20) throw error;
    }
  }
}
