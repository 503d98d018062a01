/**
 * InvariantChecker: Raft's safety properties (Figure 3 of the paper) and the simulator's
 * durability rules, checked incrementally as the simulation reports what it sees. It keeps a
 * little global state so each check is cheap:
 *
 * - Election Safety: term → the one leader elected in it (from 'roleChanged').
 * - Log Matching: (index, term) → the entry's fingerprint and the term before it, for every entry
 *   any node writes. Equal (index, term) with equal predecessor terms, by induction, means equal
 *   logs up to there.
 * - State Machine Safety: index → the term of the entry committed there, from every node's commit
 *   index and every apply. A second, different term at an index is a violation.
 * - Leader Completeness: a new leader's log must hold every entry committed in an earlier term
 *   (a candidate whose votes were granted long ago, e.g. before a process pause, may win a stale
 *   term after later terms committed more; it need not hold those).
 * - Commit Durability: no voter lacking a committed entry could win an election on what the
 *   disks hold (Leader Completeness for every POSSIBLE future leader, checked after every step).
 * - Leader Append-Only and monotonic term / commit / applied, per node incarnation.
 * - Durability: a message must promise nothing its sender's disk does not hold when it leaves
 *   (an append acknowledgement, a granted vote, a term).
 *
 * The first violation is kept; later ones are ignored. Observations arrive from inside the
 * runtime's callbacks, where throwing would be swallowed, so the simulation throws after the step.
 */
import type { Entry, MembershipConfig, Message, NodeId, RaftStatus } from '@raftkit/core';
import type { SimDisk } from './sim-disk.js';
import type { InvariantName } from './violation.js';

/** Inspector is the read-only view of a node's core (`RaftNode.inspect()`). */
export interface Inspector {
  /** status is the core's current status (role, term, indexes, configuration). */
  status(): RaftStatus;
  /** entry is the log entry at `index`, or undefined when compacted or beyond the log. */
  entry(index: number): Entry | undefined;
}

/** FoundViolation is a broken invariant and what broke it. */
export interface FoundViolation {
  readonly invariant: InvariantName;
  readonly detail: string;
}

interface WrittenEntry {
  readonly node: NodeId;
  readonly fingerprint: string;
  readonly previousTerm: number;
}

/** What is known about one incarnation of one node. */
interface Incarnation {
  term: number;
  commit: number;
  appliedIndex: number;
  /** Last index passed to the state machine's apply. */
  lastApplyCall: number;
  /** Commit indexes up to here were compared with the global committed map. */
  checkedCommit: number;
  /** While leading: the term, the last index and the entry object there at the last step. */
  leading: { term: number; lastIndex: number; entry: Entry | undefined } | undefined;
}

/** InvariantChecker; see the module comment. */
export class InvariantChecker {
  private found: FoundViolation | undefined;
  private readonly leaders = new Map<number, NodeId>();
  private readonly written = new Map<string, WrittenEntry>();
  /** committedTerms[index] is the term of the entry committed at index. */
  private readonly committedTerms: number[] = [];
  private readonly committedBy: NodeId[] = [];
  /**
   * committedBefore[index] bounds the term in which the entry at index was committed: the lowest
   * current term of a node seen holding it committed. A leader of a later term must hold it.
   */
  private readonly committedBefore: number[] = [];
  private highestCommitted = 0;
  private readonly incarnations = new Map<NodeId, Incarnation>();

  /** violation is the first broken invariant, if any. */
  get violation(): FoundViolation | undefined {
    return this.found;
  }

  /** highestCommittedIndex is the highest index known committed anywhere. */
  get highestCommittedIndex(): number {
    return this.highestCommitted;
  }

  /** ignored invariants are never reported (to show that the others catch a bug too). */
  constructor(private readonly ignored: ReadonlySet<InvariantName> = new Set()) {}

  /** report records a violation (only the first one is kept). */
  report(invariant: InvariantName, detail: string): void {
    if (this.ignored.has(invariant)) return;
    this.found ??= { invariant, detail };
  }

  /** nodeStarting forgets the previous incarnation of `id`: monotonicity restarts from its disk. */
  nodeStarting(id: NodeId): void {
    this.incarnations.set(id, { term: 0, commit: 0, appliedIndex: 0, lastApplyCall: 0, checkedCommit: 0, leading: undefined });
  }

  /**
   * nodeStarted checks that a node came back with exactly what its disk holds: the durable term,
   * vote and log, and no more commit than both the durable commit and log allow.
   */
  nodeStarted(id: NodeId, inspector: Inspector, disk: SimDisk): void {
    const status = inspector.status();
    const incarnation = this.incarnation(id);
    incarnation.term = status.term;
    incarnation.commit = status.commit;
    const empty = disk.hardState.term === 0 && disk.lastIndex() === 0;
    if (empty) return; // A node that lost even its bootstrap write bootstraps again.
    const hardState = disk.hardState;
    const expectedCommit = Math.min(Math.max(hardState.commit, disk.snapshotIndex()), disk.lastIndex());
    if (status.term !== hardState.term || status.vote !== hardState.vote || status.lastIndex !== disk.lastIndex() || status.commit !== expectedCommit) {
      this.report(
        'Restart State',
        `${id} restarted with term ${status.term} vote ${status.vote} last ${status.lastIndex} commit ${status.commit}, ` +
          `but its disk holds term ${hardState.term} vote ${hardState.vote} last ${disk.lastIndex()} commit ${hardState.commit}`,
      );
    }
  }

  /** leaderElected: Election Safety, then Leader Completeness for the new leader's log. */
  leaderElected(id: NodeId, term: number, inspector: Inspector): void {
    const previous = this.leaders.get(term);
    if (previous !== undefined && previous !== id) {
      this.report('Election Safety', `${id} and ${previous} were both elected leader in term ${term}`);
      return;
    }
    this.leaders.set(term, id);
    const snapshotIndex = inspector.status().snapshotIndex;
    for (let index = snapshotIndex + 1; index <= this.highestCommitted; index++) {
      const committedTerm = this.committedTerms[index];
      if (committedTerm === undefined || !((this.committedBefore[index] ?? Number.POSITIVE_INFINITY) < term)) continue;
      const held = inspector.entry(index)?.term;
      if (held !== committedTerm) {
        this.report(
          'Leader Completeness',
          `${id} became leader of term ${term} without the committed entry ${index}@${committedTerm} (committed on ${this.committedBy[index]}); ` +
            (held === undefined ? `its log ends at ${inspector.status().lastIndex}` : `it holds ${index}@${held}`),
        );
        return;
      }
    }
  }

  /** entryWritten: Log Matching for an entry `id` wrote after an entry of `previousTerm`. */
  entryWritten(id: NodeId, entry: Entry, previousTerm: number): void {
    const key = `${entry.index}@${entry.term}`;
    const fingerprint = fingerprintOf(entry);
    const known = this.written.get(key);
    if (known === undefined) {
      this.written.set(key, { node: id, fingerprint, previousTerm });
      return;
    }
    if (known.fingerprint !== fingerprint) {
      this.report('Log Matching', `${id} and ${known.node} hold different entries at ${key} (${fingerprint} vs ${known.fingerprint})`);
    } else if (known.previousTerm !== previousTerm) {
      this.report('Log Matching', `${id} holds ${key} after an entry of term ${previousTerm}, ${known.node} after one of term ${known.previousTerm}`);
    }
  }

  /** applied: the state machine of `id` applies (`index`, `term`); State Machine Safety. */
  applied(id: NodeId, index: number, term: number): void {
    const incarnation = this.incarnation(id);
    if (index <= incarnation.lastApplyCall) {
      this.report('Monotonic State', `${id} applied ${index}@${term} after already applying ${incarnation.lastApplyCall}`);
    }
    incarnation.lastApplyCall = index;
    // The node's current term is not known here: observe() bounds the commit term.
    this.committed(id, index, term, Number.POSITIVE_INFINITY);
  }

  /**
   * messageSent checks, as `message` leaves `from`, that it promises nothing `from`'s disk does
   * not hold: a successful append response names no index past the durable log, a granted vote
   * is durable, and no message carries a term the disk has not reached (pre-votes excepted: they
   * speak of a term nobody has entered).
   */
  messageSent(from: NodeId, message: Message, disk: SimDisk): void {
    const hardState = disk.hardState;
    if (message.type === 'appendEntriesResponse' && message.success && message.matchIndex > disk.lastIndex()) {
      this.report('Durable Ack', `${from} acknowledged index ${message.matchIndex} in term ${message.term} to ${message.to}, but only ${disk.lastIndex()} is on its disk`);
      return;
    }
    if (message.type === 'requestVoteResponse' && message.granted && !message.preVote) {
      const durable = hardState.term > message.term || (hardState.term === message.term && hardState.vote === message.to);
      if (!durable) {
        this.report('Durable Vote', `${from} granted its term-${message.term} vote to ${message.to} before it was durable (disk: term ${hardState.term}, vote ${hardState.vote})`);
        return;
      }
    }
    const preVote = (message.type === 'requestVote' || message.type === 'requestVoteResponse') && message.preVote;
    if (!preVote && message.term > hardState.term) {
      this.report('Durable Term', `${from} sent ${message.type} in term ${message.term} to ${message.to} while its disk holds term ${hardState.term}`);
    }
  }

  /**
   * observe runs after every step for every running node: monotonic term, commit and applied
   * index; the newly committed entries against the global committed map; Leader Append-Only.
   */
  observe(id: NodeId, inspector: Inspector): void {
    const status = inspector.status();
    const incarnation = this.incarnation(id);
    if (status.term < incarnation.term) this.report('Monotonic State', `${id}'s term went from ${incarnation.term} back to ${status.term}`);
    if (status.commit < incarnation.commit) this.report('Monotonic State', `${id}'s commit index went from ${incarnation.commit} back to ${status.commit}`);
    if (status.applied < incarnation.appliedIndex) {
      this.report('Monotonic State', `${id}'s applied index went from ${incarnation.appliedIndex} back to ${status.applied}`);
    }
    incarnation.term = status.term;
    incarnation.commit = status.commit;
    incarnation.appliedIndex = status.applied;

    for (let index = Math.max(incarnation.checkedCommit, status.snapshotIndex) + 1; index <= status.commit; index++) {
      const entry = inspector.entry(index);
      if (entry === undefined) {
        this.report('State Machine Safety', `${id} has commit index ${status.commit} but no entry at ${index} (last ${status.lastIndex})`);
        break;
      }
      this.committed(id, index, entry.term, status.term);
    }
    if (status.commit > incarnation.checkedCommit) incarnation.checkedCommit = status.commit;

    if (status.role !== 'leader') {
      incarnation.leading = undefined;
      return;
    }
    const leading = incarnation.leading;
    if (leading !== undefined && leading.term === status.term) {
      // The entry object at the old last index must still be there: any truncation or overwrite
      // at or below it replaces the object.
      const now = inspector.entry(leading.lastIndex);
      if (status.lastIndex < leading.lastIndex || (leading.entry !== undefined && now !== leading.entry && leading.lastIndex > status.snapshotIndex)) {
        this.report('Leader Append-Only', `${id}, leader of term ${status.term}, changed its log at or below index ${leading.lastIndex} (now last ${status.lastIndex})`);
      }
    }
    incarnation.leading = { term: status.term, lastIndex: status.lastIndex, entry: inspector.entry(status.lastIndex) };
  }

  /**
   * committedIsSafe (Commit Durability) checks Leader Completeness for every leader the cluster
   * COULD elect from now on, not only those it did: the highest committed entry must be durable on
   * enough voters that no voter lacking it could win an election, even if every node crashed now
   * and restarted from its disk. A voter lacking it could win when its durable log is at least as up-to-date
   * (§5.4.1) as the durable logs of a quorum (itself included) of the configuration it would
   * campaign in. Raft's proof of Leader Completeness shows this never happens once an entry is
   * committed; an unsafe commit rule or an early acknowledgement make it happen at once, long
   * before the bad election itself.
   *
   * With `configOf`, membership may change: a node campaigns in the configuration of its own
   * durable log (the last configuration entry, committed or not: thesis §4.1), must be a voter in
   * it, and needs a majority of its voters and, while joint, of its outgoing voters too. Without
   * it, `voters` is the fixed configuration of every node.
   *
   * Checking the highest committed entry suffices: a log holding it holds every committed entry
   * before it (Log Matching, checked separately).
   */
  committedIsSafe(voters: readonly NodeId[], disks: ReadonlyMap<NodeId, SimDisk>, configOf?: (id: NodeId) => MembershipConfig | undefined): void {
    const index = this.highestCommitted;
    const term = this.committedTerms[index];
    // Every node writes the same bootstrap entry 1@1 itself: it is committed by construction.
    if (term === undefined || index <= 1) return;
    const fixed: MembershipConfig = { voters, outgoingVoters: [], learners: [] };
    for (const [candidate, disk] of disks) {
      if (index <= disk.snapshotIndex() || disk.term(index) === term) continue;
      const config = configOf === undefined ? fixed : configOf(candidate);
      if (config === undefined || !(config.voters.includes(candidate) || config.outgoingVoters.includes(candidate))) continue;
      const lastIndex = disk.lastIndex();
      const lastTerm = disk.term(lastIndex) ?? 0;
      const wouldVote = (voter: NodeId): boolean => {
        const other = disks.get(voter);
        if (other === undefined) return false;
        const otherLastIndex = other.lastIndex();
        const otherLastTerm = other.term(otherLastIndex) ?? 0;
        return lastTerm > otherLastTerm || (lastTerm === otherLastTerm && lastIndex >= otherLastIndex);
      };
      const electors = [...new Set([...config.voters, ...config.outgoingVoters])].filter(wouldVote);
      const majorityOf = (group: readonly NodeId[]) => group.length === 0 || electors.filter((id) => group.includes(id)).length > group.length / 2;
      if (majorityOf(config.voters) && majorityOf(config.outgoingVoters)) {
        this.report(
          'Commit Durability',
          `${candidate} lacks the committed entry ${index}@${term} (committed on ${this.committedBy[index]}) yet could be elected: ` +
            `its durable log (last ${lastIndex}@${lastTerm}) is at least as up-to-date as those of ${electors.join(', ')}` +
            (configOf === undefined ? '' : `, a quorum of its configuration ${describeConfig(config)}`),
        );
        return;
      }
    }
  }

  private committed(id: NodeId, index: number, term: number, observerTerm: number): void {
    if (observerTerm < (this.committedBefore[index] ?? Number.POSITIVE_INFINITY)) this.committedBefore[index] = observerTerm;
    const known = this.committedTerms[index];
    if (known === undefined) {
      this.committedTerms[index] = term;
      this.committedBy[index] = id;
      if (index > this.highestCommitted) this.highestCommitted = index;
    } else if (known !== term) {
      this.report('State Machine Safety', `${id} committed ${index}@${term}, but ${this.committedBy[index]} committed ${index}@${known}`);
    }
  }

  private incarnation(id: NodeId): Incarnation {
    let incarnation = this.incarnations.get(id);
    if (incarnation === undefined) {
      incarnation = { term: 0, commit: 0, appliedIndex: 0, lastApplyCall: 0, checkedCommit: 0, leading: undefined };
      this.incarnations.set(id, incarnation);
    }
    return incarnation;
  }
}

/** fingerprintOf identifies an entry's content: type, length and an FNV-1a hash of the bytes. */
export function fingerprintOf(entry: Entry): string {
  let hash = 0x811c9dc5;
  for (const byte of entry.data) hash = Math.imul(hash ^ byte, 0x01000193);
  return `${entry.type}:${entry.data.byteLength}:${(hash >>> 0).toString(16)}`;
}

/** describeConfig renders a configuration as voters, outgoing voters (joint) and learners. */
export function describeConfig(config: MembershipConfig): string {
  const outgoing = config.outgoingVoters.length > 0 ? ` outgoing [${config.outgoingVoters.join(',')}]` : '';
  const learners = config.learners.length > 0 ? ` learners [${config.learners.join(',')}]` : '';
  return `voters [${config.voters.join(',')}]${outgoing}${learners}`;
}
