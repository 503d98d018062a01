/**
 * runSessionScenario: clients with sessions (Raft thesis §6.3) retrying across leader kills. Every
 * node runs `createSessionStateMachine` around the KV machine. Each client numbers its commands
 * (`createSessionIds`) and, when a proposal ends with an unknown outcome (the leader was killed or
 * cut off, a timeout), retries THE SAME entry (same clientId and sequence, restamped) on another
 * node until it gets an answer; a proposal certainly not appended (not the leader, dropped, node
 * down) is retried too. The operation enters the history once, from its first call to its answer.
 *
 * Exactly Once is checked from the applied logs of the whole cluster: an ApplyLedger watches every
 * apply on every node and notes, per log index, which (client, sequence) the entry carried and
 * whether the wrapper let the inner KV machine apply it. All replicas must agree at each index,
 * a (client, sequence) may reach the inner machine at one index only, and every command answered
 * to its client must have reached it exactly once.
 */
import {
  RaftError,
  createSessionIds,
  createSessionStateMachine,
  untrackedCommand,
  withTimestamp,
  type ApplyMeta,
  type NodeId,
  type SessionClientCommand,
  type SessionCommand,
  type SessionResult,
  type StateMachine,
} from '@raftkit/core';
import { describeKvOperation, kvModel, type KvCommand, type KvResult, type KvValue } from '../kv/kv-model.js';
import { createKvStateMachine, type KvQuery } from '../kv/kv-state-machine.js';
import { isUnknown, UNKNOWN } from '../linearizability/history.js';
import type { Model } from '../linearizability/model.js';
import { LEADER_CHURN_FAULT_PROFILE } from './faults.js';
import { createKvWorkload } from './kv-scenario.js';
import { runScenario, type ClientContext, type ScenarioOptions, type ScenarioSummary } from './scenario.js';
import type { Simulation } from './simulation.js';

/** A wall-clock origin for entry timestamps, so they look like Date.now() readings. */
const EPOCH_MS = 1_700_000_000_000;

/** The log entry of the session scenario: a KV command wrapped in a session stamp. */
export type Entry = SessionCommand<KvCommand>;
/** The session scenario's answer: the KV result, or the session layer's rejection. */
export type Answer = SessionResult<KvResult>;
type SessionSimulation = Simulation<Entry, KvQuery, Answer>;

/** What the ledger knows about one log index: the session command there, and whether it was applied. */
interface LedgerRecord {
  readonly command: string | undefined;
  readonly innerApplied: boolean;
}

/** ApplyLedger records, per log index, the session command there and whether the inner machine applied it. */
export class ApplyLedger {
  private readonly byIndex = new Map<number, LedgerRecord>();
  /** `${clientId}#${sequence}` → the indexes where the inner machine applied it. */
  private readonly appliedAt = new Map<string, number[]>();
  private problem: string | undefined;
  /** Called with the first problem found (to fail the simulation's next step). */
  onViolation: (detail: string) => void = () => {};

  /** violation is the first disagreement or double application found. */
  get violation(): string | undefined {
    return this.problem;
  }

  /** record notes that a replica applied `entry` at `index`, reaching the inner machine or not. */
  record(index: number, entry: Entry, innerApplied: boolean): void {
    const command = entry.type === 'command' && entry.clientId !== undefined ? commandKey(entry.clientId, entry.sequence) : undefined;
    const known = this.byIndex.get(index);
    if (known !== undefined) {
      if (known.command !== command || known.innerApplied !== innerApplied) {
        this.fail(`replicas disagree at index ${index}: one applied ${describe(known)}, another ${describe({ command, innerApplied })}`);
      }
      return;
    }
    this.byIndex.set(index, { command, innerApplied });
    if (command === undefined || !innerApplied) return;
    const indexes = this.appliedAt.get(command) ?? [];
    indexes.push(index);
    this.appliedAt.set(command, indexes);
    if (indexes.length > 1) this.fail(`${command} reached the inner state machine at indexes ${indexes.join(' and ')}`);
  }

  private fail(detail: string): void {
    if (this.problem !== undefined) return;
    this.problem = detail;
    this.onViolation(detail);
  }

  /** applications is how many distinct log indexes applied `clientId`'s `sequence` in the inner machine. */
  applications(clientId: string, sequence: number): number {
    return this.appliedAt.get(commandKey(clientId, sequence))?.length ?? 0;
  }

  /** duplicates counts the indexes holding a session command the wrapper answered without applying. */
  duplicates(): number {
    let count = 0;
    for (const record of this.byIndex.values()) if (record.command !== undefined && !record.innerApplied) count++;
    return count;
  }
}

function commandKey(clientId: string, sequence: number): string {
  return `${clientId}#${sequence}`;
}

function describe(record: LedgerRecord): string {
  return `${record.command ?? 'no session command'}${record.command === undefined ? '' : record.innerApplied ? ' (applied)' : ' (answered as a duplicate)'}`;
}

/**
 * createLedgerMachine is a session-wrapped KV machine that reports every apply to `ledger`. With
 * `deduplicate: false` the wrapper is handed each command without its session (a deliberately
 * broken machine that applies every retry), to show that the ledger catches double applications.
 */
export function createLedgerMachine(ledger: ApplyLedger, deduplicate = true): StateMachine<Entry, KvQuery, Answer> {
  const kv = createKvStateMachine();
  let innerApplied = false;
  const counted: StateMachine<KvCommand, KvQuery, KvResult> = {
    apply(command, meta) {
      innerApplied = true;
      return kv.apply(command, meta);
    },
    query: (query) => kv.query(query),
    snapshot: () => kv.snapshot(),
    restore: (chunks) => kv.restore(chunks),
  };
  const session = createSessionStateMachine(counted);
  return {
    apply(entry: Entry, meta: ApplyMeta): Answer {
      innerApplied = false;
      const answer = session.apply(deduplicate || entry.type !== 'command' ? entry : untrackedCommand(entry.command, entry.timestampMs), meta);
      ledger.record(meta.index, entry, innerApplied);
      return answer;
    },
    query: (query) => session.query(query),
    snapshot: () => session.snapshot(),
    restore: (chunks) => session.restore(chunks),
  };
}

/**
 * sessionKvModel checks session-wrapped KV operations: the command inside the entry, answered by
 * the result inside the wrapper's answer (a rejection is no KV answer at all: it never passes).
 */
export const sessionKvModel: Model<KvValue, Entry, Answer> = {
  init: kvModel.init,
  step(state, input, output) {
    if (input.type !== 'command') return { ok: true, state };
    if (isUnknown(output)) return kvModel.step(state, input.command, UNKNOWN);
    if (output.status !== 'applied') return { ok: false, state };
    return kvModel.step(state, input.command, output.result);
  },
  partition: (input) => (input.type === 'command' ? input.command.key : 'tick'),
  isReadOnly: (input) => input.type !== 'command' || input.command.type === 'get',
  hash: kvModel.hash!,
  equal: kvModel.equal!,
  describeState: kvModel.describeState!,
  describeOperation(input, output) {
    if (input.type !== 'command') return 'tick';
    const session = input.clientId === undefined ? '' : ` [${input.clientId}#${input.sequence}]`;
    if (isUnknown(output) || output.status === 'applied') return `${describeKvOperation(input.command, isUnknown(output) ? UNKNOWN : output.result)}${session}`;
    return `${describeKvOperation(input.command, UNKNOWN)}${session} answered ${output.status}`;
  },
};

/** SessionStats describes what the clients went through. */
export interface SessionStats {
  /** Commands answered (applied, or answered as a duplicate of an earlier attempt). */
  answered: number;
  /** Answers that came from the wrapper's stored answer (`duplicate: true`). */
  duplicateAnswers: number;
  /** Attempts retried after an unknown outcome (same clientId and sequence, another node). */
  retriedUnknown: number;
  /** Commands still unanswered when the run ended (unknown outcomes in the history). */
  givenUp: number;
  /** Log entries the wrapper answered without applying, across the cluster. */
  duplicateEntries: number;
}

/** SessionScenarioOptions: runScenario's options without the parts this scenario fixes. */
export interface SessionScenarioOptions extends Partial<Omit<ScenarioOptions<KvValue, Entry, KvQuery, Answer>, 'seed' | 'stateMachine' | 'model' | 'generate' | 'client' | 'read'>> {
  /** false breaks deduplication on purpose (see createLedgerMachine). Default true. */
  readonly deduplicate?: boolean;
}

/** runSessionScenario runs one seed; throws SimulationViolation (with the seed) on any failure. */
export async function runSessionScenario(seed: number, options: SessionScenarioOptions = {}): Promise<ScenarioSummary & { readonly sessions: SessionStats }> {
  const ledger = new ApplyLedger();
  const stats: SessionStats = { answered: 0, duplicateAnswers: 0, retriedUnknown: 0, givenUp: 0, duplicateEntries: 0 };
  const answered: { clientId: string; sequence: number }[] = [];
  let simulation: SessionSimulation | undefined;
  const workload = createKvWorkload(3);
  const { deduplicate = true, ...rest } = options;
  const summary = await runScenario<KvValue, Entry, KvQuery, Answer>({
    faults: LEADER_CHURN_FAULT_PROFILE,
    ...rest,
    seed,
    stateMachine: () => createLedgerMachine(ledger, deduplicate),
    model: sessionKvModel,
    // Only the liveness phase proposes generated entries: untracked commands.
    generate: (random, clientId) => untrackedCommand(workload(random, clientId), EPOCH_MS),
    client: (context) => runSessionClient(context, workload, stats, answered),
    onStart: (started) => {
      simulation = started;
      // The ledger sees every apply; a disagreement or double application fails the next step.
      ledger.onViolation = (detail) => started.checker.report('Exactly Once', detail);
      options.onStart?.(started);
    },
  });
  const sim = simulation!;
  if (ledger.violation !== undefined) sim.fail('Exactly Once', ledger.violation);
  for (const { clientId, sequence } of answered) {
    const count = ledger.applications(clientId, sequence);
    if (count !== 1) sim.fail('Exactly Once', `${commandKey(clientId, sequence)} was answered to its client but reached the inner state machine ${count} times`);
  }
  stats.givenUp = summary.operations.unknown;
  stats.duplicateEntries = ledger.duplicates();
  return { ...summary, sessions: stats };
}

/**
 * runSessionClient proposes its commands one at a time, each with the next sequence, and retries
 * each until answered: the same entry, on the leader hint or another node.
 */
async function runSessionClient(
  context: ClientContext<Entry, KvQuery, Answer>,
  workload: (random: ClientContext<Entry, KvQuery, Answer>['random'], clientId: string) => KvCommand,
  stats: SessionStats,
  answered: { clientId: string; sequence: number }[],
): Promise<void> {
  const { simulation, clientId, random, running } = context;
  const ids = createSessionIds(clientId);
  const others = (id: NodeId) => simulation.ids.filter((other) => other !== id);
  let target = random.pick(simulation.ids);
  // Retries go on after the chaos ends (through the liveness phase) until this deadline.
  let deadline = Number.POSITIVE_INFINITY;
  while (running()) {
    const entry: SessionClientCommand<KvCommand> = ids.command(workload(random, clientId), EPOCH_MS + simulation.now());
    await simulation.track(clientId, `session ${entry.sequence}`, entry, async () => {
      let unknown = false;
      for (;;) {
        if (!running() && deadline === Number.POSITIVE_INFINITY) deadline = simulation.now() + 20 * simulation.nodeConfig.tickMs;
        if (simulation.now() >= deadline) {
          // Given up: if some attempt may have been appended, the outcome is unknown.
          throw unknown ? new Error(`gave up on ${clientId}#${entry.sequence}`) : new GivenUp();
        }
        try {
          const answer = await simulation.propose(target, withTimestamp(entry, EPOCH_MS + simulation.now()));
          if (answer.status === 'rejected') {
            simulation.fail('Exactly Once', `${clientId}#${entry.sequence} was rejected: ${answer.code} (${answer.message})`);
          }
          stats.answered++;
          if (answer.status === 'applied' && answer.duplicate) stats.duplicateAnswers++;
          answered.push({ clientId, sequence: entry.sequence });
          return answer;
        } catch (error) {
          if (!(error instanceof RaftError)) throw error;
          if (error.code === 'NOT_LEADER' || error.code === 'PROPOSAL_DROPPED' || error.code === 'STOPPED') {
            const hint = (error as { leaderHint?: NodeId | null }).leaderHint ?? null;
            target = hint !== null && hint !== target ? hint : random.pick(others(target));
          } else {
            // OUTCOME_UNKNOWN or PROPOSAL_TIMEOUT: it may commit. Retry the same sequence elsewhere.
            unknown = true;
            stats.retriedUnknown++;
            target = random.pick(others(target));
          }
        }
        await simulation.sleep(random.int(1, 20));
      }
    });
    await simulation.sleep(random.int(0, 30));
  }
}

/** GivenUp: every attempt of a command was certainly not appended; the client stopped trying. */
class GivenUp extends RaftError {
  constructor() {
    super('STOPPED', 'the client stopped retrying; no attempt was appended');
  }
}
