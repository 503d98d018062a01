/**
 * `raftkit recover --id ID --data DIR [--members ID=HOST:PORT,...]`: forced recovery after a
 * majority is lost for good (UNSAFE: writes the lost majority acknowledged but this node lacks
 * are lost). Rewrites this STOPPED node's storage so it starts with only `--members` as voters
 * (default: itself alone), then prints what it wrote. Run it on ONE survivor, start that node,
 * and add the others back empty (`raftkit members add`). See core's forceNewConfiguration.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeConfig, forceNewConfiguration, type MembershipConfig } from '@raftkit/core';
import { createSqliteStorage } from '@raftkit/storage-sqlite';
import { readIdentity } from '../cluster-identity.js';
import { parseCluster } from './cluster.js';
import { NodeConfigError } from './errors.js';
import { cliError } from './start-options.js';
import type { Output } from './admin.js';

export const RECOVER_USAGE = `raftkit recover --id ID --data DIR [--members ID=HOST:PORT,...]   (UNSAFE, the node must be stopped)
`;

/** runRecover rewrites the storage and prints the configuration entry it appended. */
export async function runRecover(argv: readonly string[], output: Output, cwd: string): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: { id: { type: 'string' }, data: { type: 'string' }, members: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    throw cliError(error);
  }
  const id = values.id;
  if (id === undefined || id === '') throw new NodeConfigError('MISSING_ID', 'recover needs --id');
  const directory = resolve(cwd, values.data ?? `data/${id}`);
  const identity = readIdentity(directory);
  if (identity === undefined) throw new NodeConfigError('CONFIG_FILE', `${directory} holds no raftkit node`);
  if (identity.nodeId !== id) throw new NodeConfigError('DATA_DIR_MISMATCH', `${directory} belongs to ${identity.nodeId}, not ${id}`);
  const storage = createSqliteStorage({ directory });
  try {
    let config: MembershipConfig;
    if (values.members !== undefined) {
      const members = parseCluster(values.members);
      config = { voters: members.map((member) => member.id), outgoingVoters: [], learners: [], addresses: Object.fromEntries(members.map((member) => [member.id, member.peerAddress])) };
    } else {
      // Keep this node's own peer address from the configuration it had.
      const loaded = await storage.load();
      const lastConfigEntry = loaded.entries.filter((entry) => entry.type === 'config').at(-1);
      const addresses = latestAddresses(lastConfigEntry === undefined ? undefined : decodeConfig(lastConfigEntry.data).addresses, loaded.snapshot?.config.addresses, identity.bootstrap?.addresses);
      const own = addresses?.[id];
      config = { voters: [id], outgoingVoters: [], learners: [], ...(own === undefined ? {} : { addresses: { [id]: own } }) };
    }
    const recovered = await forceNewConfiguration(storage, id, config);
    output.out(`${JSON.stringify({ recovered: true, index: recovered.index, term: recovered.term, voters: recovered.config.voters }, null, 2)}\n`);
    return 0;
  } finally {
    await storage.close();
  }
}

/** latestAddresses is the first address table given: the newest configuration's, then older ones. */
function latestAddresses(...candidates: (Readonly<Record<string, string>> | undefined)[]): Readonly<Record<string, string>> | undefined {
  return candidates.find((candidate) => candidate !== undefined);
}
