import { ConfigError } from './errors.js';
import { validateNodeId } from './config.js';
import type { MembershipConfig, NodeId } from './types.js';

/** EMPTY_CONFIG is the configuration of a node waiting to be added: it never campaigns. */
export const EMPTY_CONFIG: MembershipConfig = { voters: [], outgoingVoters: [], learners: [] };

/** isJoint reports whether `config` is a joint configuration C_old,new. */
export function isJoint(config: MembershipConfig): boolean {
  return config.outgoingVoters.length > 0;
}

/** isVoter reports whether `id` votes in either half of `config`. */
export function isVoter(config: MembershipConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.outgoingVoters.includes(id);
}

/** members lists every id in `config` (voters, outgoing voters, learners) once. */
export function members(config: MembershipConfig): NodeId[] {
  return [...new Set([...config.voters, ...config.outgoingVoters, ...config.learners])];
}

/**
 * validateMembership checks ids and overlaps. With `self` set (bootstrap) the node MUST be a voter
 * of the configuration it bootstraps, else MISSING_SELF.
 */
export function validateMembership(config: MembershipConfig, self?: NodeId): void {
  const seen = new Set<NodeId>();
  for (const id of [...config.voters, ...config.learners]) {
    validateNodeId(id, 'INVALID_MEMBER_ID');
    if (seen.has(id)) throw new ConfigError('DUPLICATE_MEMBER', `member ${JSON.stringify(id)} is listed twice (a voter and a learner, or twice)`);
    seen.add(id);
  }
  for (const id of config.outgoingVoters) validateNodeId(id, 'INVALID_MEMBER_ID');
  if (self !== undefined) {
    if (config.voters.length === 0) throw new ConfigError('NO_VOTERS', 'a bootstrap configuration needs at least one voter');
    if (!config.voters.includes(self)) {
      throw new ConfigError('MISSING_SELF', `bootstrapping node ${JSON.stringify(self)} is not among the voters ${JSON.stringify(config.voters)}`);
    }
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** encodeConfig turns a configuration into the `data` of a `config` entry. */
export function encodeConfig(config: MembershipConfig): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      voters: config.voters,
      outgoingVoters: config.outgoingVoters,
      learners: config.learners,
      ...(config.addresses ? { addresses: config.addresses } : {}),
    }),
  );
}

/** decodeConfig reads the `data` of a `config` entry. */
export function decodeConfig(data: Uint8Array): MembershipConfig {
  const raw = JSON.parse(decoder.decode(data)) as Partial<MembershipConfig>;
  return {
    voters: raw.voters ?? [],
    outgoingVoters: raw.outgoingVoters ?? [],
    learners: raw.learners ?? [],
    ...(raw.addresses ? { addresses: raw.addresses } : {}),
  };
}
