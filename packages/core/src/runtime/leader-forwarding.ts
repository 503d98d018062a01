/**
 * Leader forwarding: any node takes any request. `createLeaderForwarding` wraps a RaftNode whose
 * transport has the PeerRequests capability: `propose` on a follower sends the command to the
 * leader in ONE hop, the leader proposes it and sends back the state machine's answer; `read`
 * needs no forwarding (ReadIndex already works on followers) but, like `propose`, first waits for
 * a leader. The leader never forwards again: a node that no longer leads answers NOT_LEADER with
 * its hint and the origin tries again, up to `attempts` times within `timeoutMs`.
 *
 * What a failure means is kept exactly as RaftNode's errors say it (see errors.ts):
 *   leader refused, not appended ........ NotLeaderError / ProposalDroppedError (after the retries)
 *   request certainly not delivered ..... tried again; finally NotLeaderError (not appended)
 *   request delivered, answer lost ...... ForwardedOutcomeUnknownError (MAY have applied)
 *   the leader's apply threw ............ ForwardedApplyError (applied; the throw is its answer)
 *
 * Every node of the cluster MUST run it (with the same codecs): the leader answers forwarded
 * proposals through the handler it installs.
 */
import type { NodeId } from '../raft/types.js';
import type { DropReason } from '../raft/types.js';
import { createRealClock } from './clock.js';
import { createJsonCodec } from './codec.js';
import { NoLeaderError, NotLeaderError, OutcomeUnknownError, ProposalDroppedError, RaftError, TimeoutError } from './errors.js';
import type { Clock, Codec } from './interfaces.js';
import type { RequestTransport } from './peer-requests.js';
import type { RaftNode } from './raft-node.js';

/** Options for `createLeaderForwarding`. Codecs default to JSON (see createJsonCodec). */
export interface LeaderForwardingOptions<Command, Query, Result, QueryResult> {
  readonly node: RaftNode<Command, Query, Result, QueryResult>;
  /** The transport `node` runs on (the same object), with the PeerRequests capability. */
  readonly transport: RequestTransport;
  readonly commandCodec?: Codec<Command>;
  readonly resultCodec?: Codec<Result>;
  /** Each call's deadline, waiting for a leader and retries included. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Tries per call (a leader that moved, a leader not reachable). Default 3. */
  readonly attempts?: number;
  /** For the pause between tries. Default the host's timers. */
  readonly clock?: Clock;
}

/** LeaderForwarding is a RaftNode's "any node takes any request" front. */
export interface LeaderForwarding<Command, Query, Result, QueryResult> {
  /** propose proposes on the leader, wherever it is, and resolves with the state machine's answer. */
  propose(command: Command): Promise<Result>;
  /** read answers linearizably on this node once a leader is known (ReadIndex through the leader). */
  read(query: Query): Promise<QueryResult>;
  /** close stops answering peers' forwarded proposals. */
  close(): void;
}

/** ForwardedOutcomeUnknownError: the leader got the command but its answer was lost; it MAY have applied. `index` and `term` are 0 (not known here). */
export class ForwardedOutcomeUnknownError extends OutcomeUnknownError {
  override readonly name: string = 'ForwardedOutcomeUnknownError';
  constructor(
    readonly leader: NodeId,
    reason: string,
  ) {
    super(0, 0, reason);
    this.message = `OUTCOME_UNKNOWN: the answer of the leader ${leader} was lost (${reason}); the command may or may not commit`;
  }
}

/** ForwardedApplyError: the command was applied on the leader and `apply` threw; `message` is the thrown error's. */
export class ForwardedApplyError extends Error {
  override readonly name = 'ForwardedApplyError';
  readonly code = 'APPLY_FAILED';
  constructor(
    readonly leader: NodeId,
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request a follower sends the leader; tagged so a transport shared with other requests can tell it. */
interface ForwardedProposal {
  readonly raftkit: 'forward-propose';
  readonly command: Uint8Array;
}

/** The leader's answer. */
type ForwardedAnswer =
  | { readonly ok: true; readonly result: Uint8Array }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      readonly leaderHint?: NodeId | null;
      readonly index?: number;
      readonly term?: number;
      readonly reason?: string;
      readonly errorName?: string;
    };

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ATTEMPTS = 3;

/**
 * createLeaderForwarding installs the handler that answers forwarded proposals on `transport` and
 * returns the forwarding front. It replaces any request handler the transport had.
 */
export function createLeaderForwarding<Command, Query, Result, QueryResult>(
  options: LeaderForwardingOptions<Command, Query, Result, QueryResult>,
): LeaderForwarding<Command, Query, Result, QueryResult> {
  const { node, transport } = options;
  const commandCodec = options.commandCodec ?? createJsonCodec<Command>();
  const resultCodec = options.resultCodec ?? createJsonCodec<Result>();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const clock = options.clock ?? createRealClock();

  transport.onRequest(async (_from, payload) => {
    if (!isForwardedProposal(payload)) throw new TypeError('not a forwarded proposal');
    return answerProposal(node, commandCodec.decode(payload.command), resultCodec);
  });

  const pause = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

  /** leaderBy waits for a known leader until `deadline`; NotLeaderError(null) when none came. */
  const leaderBy = async (deadline: number): Promise<NodeId> => {
    const known = node.status().leader;
    if (known !== null) return known;
    const controller = new AbortController();
    const cancel = clock.setTimeout(() => controller.abort(new Error('the deadline passed')), Math.max(0, deadline - clock.now()));
    try {
      return await node.waitForLeader({ signal: controller.signal });
    } catch (error) {
      throw error instanceof NoLeaderError ? new NotLeaderError(null) : error;
    } finally {
      cancel();
    }
  };

  return {
    async propose(command) {
      const deadline = clock.now() + timeoutMs;
      const encoded = commandCodec.encode(command);
      let last: Error = new NotLeaderError(null);
      for (let attempt = 1; attempt <= attempts && clock.now() < deadline; attempt++) {
        if (attempt > 1) await pause(Math.min(50 * attempt, Math.max(0, deadline - clock.now())));
        const leader = await leaderBy(deadline);
        if (leader === node.id) {
          try {
            return await node.propose(command);
          } catch (error) {
            if (!(error instanceof NotLeaderError)) throw error;
            last = error;
            continue;
          }
        }
        let answer: unknown;
        try {
          answer = await transport.request(leader, { raftkit: 'forward-propose', command: encoded } satisfies ForwardedProposal, Math.max(1, deadline - clock.now()));
        } catch (error) {
          // Certainly not delivered (no connection, no handler): the command was not appended.
          if (isCertainlyNotHandled(error)) {
            last = new NotLeaderError(leader);
            continue;
          }
          throw new ForwardedOutcomeUnknownError(leader, error instanceof Error ? error.message : String(error));
        }
        const outcome = readAnswer(answer, leader, resultCodec);
        if (outcome.retry === undefined) return outcome.result as Result;
        last = outcome.retry;
      }
      throw last;
    },

    async read(query) {
      const deadline = clock.now() + timeoutMs;
      let last: Error = new NotLeaderError(null);
      for (let attempt = 1; attempt <= attempts && clock.now() < deadline; attempt++) {
        if (attempt > 1) await pause(Math.min(50 * attempt, Math.max(0, deadline - clock.now())));
        await leaderBy(deadline);
        try {
          return await node.read(query);
        } catch (error) {
          if (!(error instanceof NotLeaderError)) throw error;
          last = error;
        }
      }
      throw last;
    },

    close() {
      transport.onRequest(undefined);
    },
  };
}

/** answerProposal runs a forwarded proposal here and turns every outcome into plain data. */
async function answerProposal<Command, Result>(node: RaftNode<Command, unknown, Result, unknown>, command: Command, resultCodec: Codec<Result>): Promise<ForwardedAnswer> {
  try {
    return { ok: true, result: resultCodec.encode(await node.propose(command)) };
  } catch (error) {
    if (error instanceof NotLeaderError) return { ok: false, code: error.code, message: error.message, leaderHint: error.leaderHint };
    if (error instanceof ProposalDroppedError) return { ok: false, code: error.code, message: error.message, leaderHint: error.leaderHint, reason: error.reason };
    if (error instanceof OutcomeUnknownError) return { ok: false, code: error.code, message: error.message, index: error.index, term: error.term };
    if (error instanceof RaftError) return { ok: false, code: error.code, message: error.message };
    // Anything else came from the state machine's apply (or the codec): the command's answer.
    return { ok: false, code: 'APPLY_FAILED', message: error instanceof Error ? error.message : String(error), errorName: error instanceof Error ? error.name : 'Error' };
  }
}

/** readAnswer turns the leader's answer into a result, an error to throw, or one to retry after. */
function readAnswer<Result>(answer: unknown, leader: NodeId, resultCodec: Codec<Result>): { result?: Result; retry?: Error } {
  if (typeof answer !== 'object' || answer === null) throw new ForwardedOutcomeUnknownError(leader, 'a malformed answer');
  const record = answer as ForwardedAnswer;
  if (record.ok === true) {
    if (!(record.result instanceof Uint8Array)) throw new ForwardedOutcomeUnknownError(leader, 'a malformed answer');
    return { result: resultCodec.decode(record.result) };
  }
  const hint = typeof record.leaderHint === 'string' ? record.leaderHint : null;
  switch (record.code) {
    case 'NOT_LEADER':
    case 'STOPPED':
      // Not appended there; the leader moved (or stopped): try again.
      return { retry: new NotLeaderError(hint) };
    case 'PROPOSAL_DROPPED':
      throw new ProposalDroppedError((record.reason ?? 'uncommitted-limit') as DropReason, hint);
    case 'PROPOSAL_TIMEOUT':
      throw new TimeoutError(record.index ?? 0, record.term ?? 0, 0);
    case 'OUTCOME_UNKNOWN':
      throw new OutcomeUnknownError(record.index ?? 0, record.term ?? 0, `on the leader ${leader}`);
    case 'APPLY_FAILED':
      throw new ForwardedApplyError(leader, record.errorName ?? 'Error', record.message);
    default:
      throw new ForwardedOutcomeUnknownError(leader, `an unexpected answer ${record.code}: ${record.message}`);
  }
}

function isForwardedProposal(value: unknown): value is ForwardedProposal {
  return typeof value === 'object' && value !== null && (value as ForwardedProposal).raftkit === 'forward-propose' && (value as ForwardedProposal).command instanceof Uint8Array;
}

function isCertainlyNotHandled(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { maybeHandled?: unknown }).maybeHandled === false;
}
