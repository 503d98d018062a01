import { ConfigError } from './errors.js';
import { isVoter, validateMembership } from './membership.js';
import type { MembershipChange, MembershipConfig, NodeId, RefusalReason } from './types.js';

/** PlannedChange is the configuration a change leads to, or why it cannot be made. */
export type PlannedChange = { readonly ok: true; readonly config: MembershipConfig } | { readonly ok: false; readonly reason: RefusalReason };

function withAddress(addresses: MembershipConfig['addresses'], id: NodeId, address: string | undefined): MembershipConfig['addresses'] {
  if (address === undefined) return addresses;
  return { ...addresses, [id]: address };
}

function withoutAddress(addresses: MembershipConfig['addresses'], id: NodeId): MembershipConfig['addresses'] {
  if (addresses === undefined || !(id in addresses)) return addresses;
  const { [id]: _removed, ...rest } = addresses;
  return rest;
}

function build(voters: readonly NodeId[], outgoingVoters: readonly NodeId[], learners: readonly NodeId[], addresses: MembershipConfig['addresses']): MembershipConfig {
  return { voters, outgoingVoters, learners, ...(addresses !== undefined ? { addresses } : {}) };
}

/**
 * planMembershipChange turns a requested change of a non-joint configuration into the next
 * configuration entry. A change of at most one voter is applied directly (thesis §4.1); any larger
 * change goes through the joint configuration C_old,new (§4.3), which the leader leaves on its own
 * once it commits.
 */
export function planMembershipChange(current: MembershipConfig, change: MembershipChange): PlannedChange {
  const learners = current.learners;
  const isMember = (id: NodeId) => isVoter(current, id) || learners.includes(id);
  let voters: readonly NodeId[];
  let nextLearners: readonly NodeId[];
  let addresses = current.addresses;
  switch (change.type) {
    case 'addVoter':
      if (isVoter(current, change.id)) return { ok: false, reason: 'already-member' };
      voters = [...current.voters, change.id];
      nextLearners = learners.filter((id) => id !== change.id);
      addresses = withAddress(addresses, change.id, change.address);
      break;
    case 'addLearner':
      if (isMember(change.id)) return { ok: false, reason: 'already-member' };
      voters = current.voters;
      nextLearners = [...learners, change.id];
      addresses = withAddress(addresses, change.id, change.address);
      break;
    case 'promote':
      if (!learners.includes(change.id)) return { ok: false, reason: 'not-member' };
      voters = [...current.voters, change.id];
      nextLearners = learners.filter((id) => id !== change.id);
      break;
    case 'remove':
      if (!isMember(change.id)) return { ok: false, reason: 'not-member' };
      voters = current.voters.filter((id) => id !== change.id);
      nextLearners = learners.filter((id) => id !== change.id);
      addresses = withoutAddress(addresses, change.id);
      break;
    case 'replace':
      voters = [...change.voters];
      nextLearners = [...(change.learners ?? [])];
      addresses = change.addresses ?? addresses;
      break;
  }
  const target = build(voters, [], nextLearners, addresses);
  try {
    validateMembership(target);
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, reason: 'invalid-change' };
    throw error;
  }
  if (voters.length === 0) return { ok: false, reason: 'invalid-change' };
  const changed = voters.filter((id) => !current.voters.includes(id)).length + current.voters.filter((id) => !voters.includes(id)).length;
  if (changed <= 1) return { ok: true, config: target };
  return { ok: true, config: build(voters, current.voters, nextLearners, addresses) };
}
