/**
 * Writes and reads the reference node's key-value store through @raftkit/client. Start a local
 * cluster first (`raftkit dev`, nodes on 127.0.0.1:8001..8003), then run
 * `pnpm --filter @raftkit/client run example`.
 */
import { createClient, OutcomeUnknownError, RaftkitClientError } from '../src/index.js';

const client = createClient({ nodes: ['127.0.0.1:8001', '127.0.0.1:8002', '127.0.0.1:8003'] });
try {
  const { index } = await client.kv.put('greeting', 'hello');
  console.log(`put greeting at index ${index}`);
  console.log('get greeting:', await client.kv.getString('greeting'));

  await client.kv.put('blob', Uint8Array.of(0, 1, 2, 255));
  console.log('get blob:', await client.kv.get('blob'));

  console.log('cas lock (absent → alice):', await client.kv.cas('lock', null, 'alice'));
  console.log('cas lock (absent → bob):', await client.kv.cas('lock', null, 'bob'));

  await client.kv.delete('greeting');
  console.log('after delete:', await client.kv.get('greeting'));

  const status = await client.status();
  console.log(`connected to ${status.id} (${status.role}), leader ${status.leader}, term ${status.term}`);
} catch (error) {
  if (error instanceof OutcomeUnknownError) console.error('the write may or may not have applied; read before writing again');
  else if (error instanceof RaftkitClientError) console.error(`${error.code}: ${error.message} (certainly not applied: ${error.certainlyNotApplied})`);
  throw error;
} finally {
  await client.close();
}
