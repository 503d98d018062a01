/**
 * HistoryRecorder turns client calls into the history the linearizability checker reads, by the
 * runtime's error contract: an answer is recorded with its result; NotLeaderError,
 * ProposalDroppedError and NodeStoppedError mean the command was certainly not applied, so it is
 * left out; any other failure (OutcomeUnknownError, TimeoutError) is an unknown outcome. Calls
 * still running when the history is read count as unknown too.
 */
import { RaftError, type Clock, type NodeId } from '@raftkit/core';
import { returned, timedOut, type Operation } from '../linearizability/history.js';

/** InvokeOutcome is what a client learned about one command. */
export type InvokeOutcome<Result> =
  | { readonly status: 'ok'; readonly result: Result }
  /** Certainly not applied (NotLeaderError, ProposalDroppedError, NodeStoppedError). */
  | { readonly status: 'failed'; readonly error: unknown; readonly leaderHint: NodeId | null }
  /** May or may not be applied (OutcomeUnknownError, TimeoutError, or anything unexpected). */
  | { readonly status: 'unknown'; readonly error: unknown };

interface PendingCall<Command> {
  readonly clientId: string;
  readonly input: Command;
  readonly callTime: number;
}

/** HistoryRecorder records calls made through `invoke`; see the module comment. */
export class HistoryRecorder<Command, Result> {
  private readonly completed: Operation<Command, Result>[] = [];
  private readonly pending = new Set<PendingCall<Command>>();

  constructor(
    private readonly clock: Clock,
    private readonly trace: (text: string) => void,
  ) {}

  /**
   * invoke runs `call` for `clientId` and records it. `target` names where it went, for the trace.
   * Never rejects: failures come back as outcomes. With `readOnly` (a linearizable read, which
   * changes nothing whatever happens) every failure is `failed` and left out of the history.
   */
  async invoke(clientId: string, target: string, input: Command, call: () => Promise<Result>, options: { readonly readOnly?: boolean } = {}): Promise<InvokeOutcome<Result>> {
    const pending: PendingCall<Command> = { clientId, input, callTime: this.clock.now() };
    this.pending.add(pending);
    this.trace(`call ${clientId} ${target}${describeValue(input)}`);
    try {
      const result = await call();
      this.completed.push(returned(clientId, input, result, pending.callTime, this.clock.now()));
      this.trace(`return ${clientId} ${describeValue(result)}`);
      return { status: 'ok', result };
    } catch (error) {
      const code = error instanceof RaftError ? error.code : undefined;
      if (code === 'NOT_LEADER' || code === 'PROPOSAL_DROPPED' || code === 'STOPPED' || (options.readOnly === true && error instanceof RaftError)) {
        this.trace(`failed ${clientId} ${code}`);
        const leaderHint = (error as { leaderHint?: NodeId | null }).leaderHint ?? null;
        return { status: 'failed', error, leaderHint };
      }
      // OutcomeUnknownError, TimeoutError, or an error apply threw (then the command WAS applied,
      // but its answer is an error no model knows): the operation may have taken effect.
      this.completed.push(timedOut(clientId, input, pending.callTime));
      this.trace(`unknown ${clientId} ${code ?? String(error)}`);
      return { status: 'unknown', error };
    } finally {
      this.pending.delete(pending);
    }
  }

  /** history is every recorded operation, calls still running as unknown outcomes. */
  history(): Operation<Command, Result>[] {
    return [...this.completed, ...[...this.pending].map((call) => timedOut<Command, Result>(call.clientId, call.input, call.callTime))];
  }
}

/** describeValue renders a command or result for the trace: JSON when it can, else String(). */
function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
