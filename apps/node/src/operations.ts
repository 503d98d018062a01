/**
 * Operations: what the node does for a client, whichever API the request came in on (HTTP or
 * /v1/ws). A write or an admin request runs on the leader: here when this node leads, otherwise
 * forwarded in one hop (forwarding.ts). A linearizable read runs HERE on any node once a leader is
 * known: the runtime's ReadIndex asks the leader for its commit index (one small Raft message for
 * every read of the event-loop turn, answered after the leader's heartbeat round), waits until
 * this node applied it and answers from the local state (thesis §6.4, what etcd's followers do);
 * the key and the value never cross the peer link. Stale reads and status are local.
 *
 *   request ─► wait for a known leader (bounded) ─┬─ self is leader, or a read ─► propose / read / change
 *                                                 └─ other leader ─────────────► transport.request(leader)
 *
 * A failure that certainly did not apply (NO_LEADER from a node that lost leadership) is tried
 * again while time remains; anything that may have applied is answered as it is (504).
 */
import type { RoleView } from './role-view.js';
import { idempotentCommand, sessionCommand, untrackedCommand, type RaftNode, type SessionCommand, type SessionResult } from '@raftkit/core';
import type { LeaderInfo } from '@raftkit/client';
import type { WsTransport } from '@raftkit/transport-ws';
import type { Logger } from 'pino';
import { answerOf, forwardFailure, isForwardRequest, resultOf, type Dedup, type ForwardAnswer, type ForwardEffect, type ForwardRequest } from './forwarding.js';
import type { NodeEntry } from './kv/command-codec.js';
import type { HostedResult } from './machine/hosted-machine.js';
import { queryProblem, stampLeaderClock, type NodeKvCommand, type NodeKvQuery } from './kv/kv-commands.js';
import { commandProblem, type KvReadResult, type KvResult, type KvWriteResult } from './kv/kv-state-machine.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import { OperationError } from './operation-error.js';
import { operationErrorOf, withTimeout } from './raft-errors.js';
import { membershipOf } from './status.js';

/** KvNode is the node's RaftNode: session-wrapped KV commands in, session results out. */
export type KvNode = RaftNode<NodeEntry, NodeKvQuery, SessionResult<KvResult>>;

/** HostedNode is the node's RaftNode when it hosts a `--machine` plugin (the same object as `node`). */
export type HostedNode = RaftNode<SessionCommand<unknown>, unknown, SessionResult<HostedResult>>;

/** What Operations needs from the node it runs on. */
export interface OperationsContext {
  readonly id: string;
  readonly node: KvNode;
  readonly transport: WsTransport;
  /** This node's HTTP address, as clients should dial it. */
  readonly httpAddress: string;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  /** Tells a node waiting as a non-member which cluster it is being added to (waiting-room.ts). */
  readonly admitNewMember?: (id: string, peerAddress: string) => Promise<void>;
  /** True when the node hosts a `--machine` plugin: `node` is then a HostedNode, and KV requests are refused. */
  readonly hostsMachine?: boolean;
  /** The node's role, term and leader as last reported (role-view.ts): read per request instead of `status()`. */
  readonly role?: RoleView;
}

/** AddMemberRequest is the body of `POST /v1/members`. */
export interface AddMemberRequest {
  readonly id: string;
  readonly peerAddress: string;
  readonly learner: boolean;
  readonly httpAddress?: string;
}

/** A forwarded answer leaves this much of the origin's time for the way back. */
const RETURN_MARGIN_MS = 50;
/** Certain failures are tried again at most this many times within one request. */
const MAX_ATTEMPTS = 3;

/** Tried is a leader a request already failed at, certainly without applying. */
interface Tried {
  readonly leader: string;
  readonly term: number;
  readonly failure: OperationError;
}

/** Operations runs client requests on the leader, wherever they arrive. */
export class Operations {
  /** HTTP addresses of the members, for leader hints and the status page. */
  readonly httpAddresses = new Map<string, string>();
  private stopping = false;
  /** The id whose POST /v1/members runs on this (leader) node, if one does. */
  private addingMember: string | undefined;

  constructor(private readonly context: OperationsContext) {
    this.httpAddresses.set(context.id, context.httpAddress);
  }

  /** electionTimeoutMs is the shortest election timeout: how long a leaderless cluster takes to elect. */
  private get electionTimeoutMs(): number {
    return this.context.electionTicks * this.context.tickMs;
  }

  /** write applies a KV command once (deduplicated by `dedup`) and answers where it applied. */
  write(command: NodeKvCommand, dedup: Dedup): Promise<KvWriteResult> {
    if (this.context.hostsMachine === true) return Promise.reject(kvNotHosted());
    const deadline = performance.now() + this.context.requestTimeoutMs;
    return this.route('write', deadline, (timeoutMs) => this.writeHere(command, dedup, timeoutMs), (timeoutMs) => ({ kind: 'write', command, dedup, timeoutMs })) as Promise<KvWriteResult>;
  }

  /** read answers a get: linearizable (ReadIndex or lease, on the leader), or local when `stale`. */
  read(key: string, stale: boolean): Promise<KvReadResult> {
    this.context.metrics.read();
    if (this.context.hostsMachine === true) return Promise.reject(kvNotHosted());
    if (stale) {
      if (this.stopping) return Promise.reject(new OperationError('SHUTTING_DOWN', 'this node is shutting down'));
      const outcome = this.context.node.query({ op: 'get', key });
      if (outcome.status !== 'applied') return Promise.reject(new OperationError('INTERNAL', `unexpected read answer ${outcome.status}`));
      return Promise.resolve(outcome.result as KvReadResult);
    }
    const deadline = performance.now() + this.context.requestTimeoutMs;
    return this.route('read', deadline, (timeoutMs) => this.readHere(key, timeoutMs)) as Promise<KvReadResult>;
  }

  /** hostsMachine is true when the node hosts a `--machine` state machine instead of the KV store. */
  get hostsMachine(): boolean {
    return this.context.hostsMachine === true;
  }

  /** machineCommand applies a command of the hosted machine once (deduplicated by `dedup`). */
  machineCommand(command: unknown, dedup: Dedup): Promise<HostedResult> {
    if (!this.hostsMachine) return Promise.reject(machineNotHosted());
    const deadline = performance.now() + this.context.requestTimeoutMs;
    return this.route('write', deadline, (timeoutMs) => this.machineCommandHere(command, dedup, timeoutMs), (timeoutMs) => ({ kind: 'machineCommand', command, dedup, timeoutMs })) as Promise<HostedResult>;
  }

  /** machineQuery answers a query of the hosted machine: linearizable, or local when `stale`. */
  machineQuery(query: unknown, stale: boolean): Promise<HostedResult> {
    if (!this.hostsMachine) return Promise.reject(machineNotHosted());
    if (this.stopping) return Promise.reject(new OperationError('SHUTTING_DOWN', 'this node is shutting down'));
    if (stale) return Promise.resolve(applied(this.hostedNode().query(query)));
    const deadline = performance.now() + this.context.requestTimeoutMs;
    return this.route('read', deadline, (timeoutMs) => this.machineQueryHere(query, timeoutMs)) as Promise<HostedResult>;
  }

  /** query answers any NodeKvQuery linearizably on the leader (multi-key get, size: the Redis-protocol front). */
  query(query: NodeKvQuery): Promise<KvResult> {
    const deadline = performance.now() + this.context.requestTimeoutMs;
    return this.route('read', deadline, (timeoutMs) => this.queryHere(query, timeoutMs)) as Promise<KvResult>;
  }

  /** addMember adds a learner and, unless it stays one, promotes it once it caught up. */
  addMember(request: AddMemberRequest): Promise<{ index: number; role: 'voter' | 'learner' }> {
    const deadline = performance.now() + this.adminTimeoutMs();
    return this.route('write', deadline, (timeoutMs) => this.addMemberHere(request, timeoutMs), (timeoutMs) => ({ kind: 'addMember', ...request, timeoutMs })) as Promise<{
      index: number;
      role: 'voter' | 'learner';
    }>;
  }

  /** removeMember removes a voter or learner (the leader too) and answers once the new configuration committed. */
  removeMember(id: string): Promise<{ index: number }> {
    const deadline = performance.now() + this.adminTimeoutMs();
    return this.route('write', deadline, (timeoutMs) => this.removeMemberHere(id, timeoutMs), (timeoutMs) => ({ kind: 'removeMember', id, timeoutMs })) as Promise<{ index: number }>;
  }

  /** transfer hands leadership to `to` (or the most up-to-date voter). */
  transfer(to: string | undefined): Promise<{ leader: string; term: number }> {
    const deadline = performance.now() + this.adminTimeoutMs();
    return this.route('write', deadline, (timeoutMs) => this.transferHere(to, timeoutMs), (timeoutMs) => ({ kind: 'transfer', ...(to === undefined ? {} : { to }), timeoutMs })) as Promise<{
      leader: string;
      term: number;
    }>;
  }

  /** leaderInfo is the hint clients get: the leader's id and, when known, its HTTP address. */
  leaderInfo(): LeaderInfo | undefined {
    const leader = this.currentRole()?.leader ?? null;
    if (leader === null) return undefined;
    const httpAddress = this.httpAddresses.get(leader);
    return httpAddress === undefined ? { id: leader } : { id: leader, httpAddress };
  }

  /** learnHttpAddress asks `peer` for its HTTP address once, for leader hints; resolves when answered (never rejects). */
  learnHttpAddress(peer: string): Promise<void> {
    if (this.httpAddresses.has(peer)) return Promise.resolve();
    return this.context.transport.request(peer, { kind: 'info' } satisfies ForwardRequest, 2000).then(
      (answer) => {
        const result = (answer as { ok?: unknown; result?: { httpAddress?: unknown } }).result;
        if (typeof result?.httpAddress === 'string') this.httpAddresses.set(peer, result.httpAddress);
      },
      () => {},
    );
  }

  /** shutDown makes every new request fail with SHUTTING_DOWN (certainly not applied). */
  shutDown(): void {
    this.stopping = true;
  }

  /**
   * serve answers a request forwarded by a peer. It runs here and is never forwarded again: a
   * node that does not lead answers NO_LEADER with its hint (the runtime's NotLeaderError).
   */
  async serve(from: string, payload: unknown): Promise<ForwardAnswer> {
    if (!isForwardRequest(payload)) return answerOf(new OperationError('BAD_REQUEST', `malformed forwarded request from ${from}`));
    if (payload.kind === 'info') return { ok: true, result: { id: this.context.id, httpAddress: this.context.httpAddress } };
    if (this.stopping) return answerOf(new OperationError('SHUTTING_DOWN', `${this.context.id} is shutting down`));
    // Keep a little of the origin's time for the answer's way back.
    const timeoutMs = Math.max(1, Math.min(payload.timeoutMs, this.adminTimeoutMs()) - RETURN_MARGIN_MS);
    try {
      switch (payload.kind) {
        case 'write': {
          const problem = commandProblem(payload.command);
          if (problem !== undefined) throw new OperationError('BAD_REQUEST', problem);
          return { ok: true, result: await this.writeHere(payload.command, payload.dedup, timeoutMs) };
        }
        case 'read':
          return { ok: true, result: await this.readHere(payload.key, timeoutMs) };
        case 'query': {
          const problem = queryProblem(payload.query);
          if (problem !== undefined) throw new OperationError('BAD_REQUEST', problem);
          return { ok: true, result: await this.queryHere(payload.query, timeoutMs) };
        }
        case 'machineCommand':
          return { ok: true, result: await this.machineCommandHere(payload.command, payload.dedup, timeoutMs) };
        case 'machineQuery':
          return { ok: true, result: await this.machineQueryHere(payload.query, timeoutMs) };
        case 'addMember':
          return { ok: true, result: await this.addMemberHere(payload, timeoutMs) };
        case 'removeMember':
          return { ok: true, result: await this.removeMemberHere(payload.id, timeoutMs) };
        case 'transfer':
          return { ok: true, result: await this.transferHere(payload.to ?? undefined, timeoutMs) };
      }
    } catch (error) {
      return answerOf(operationErrorOf(error));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Routing
  // -------------------------------------------------------------------------------------------

  /**
   * route runs a request on the leader: here, or forwarded. A linearizable read (no `request`)
   * runs here on any node with a known leader, through ReadIndex. A certain failure (the node
   * asked no longer leads, or cannot be reached) is tried again, up to MAX_ATTEMPTS, while time
   * remains: at the hint the failure carried, or at the next leader this node learns of.
   *
   * Peers of an older version may still forward reads (`read`, `query`, `machineQuery`): serve()
   * answers them.
   */
  private async route(effect: ForwardEffect, deadline: number, here: (timeoutMs: number) => Promise<unknown>, request?: (timeoutMs: number) => ForwardRequest): Promise<unknown> {
    let tried: Tried | undefined;
    for (let attempt = 1; ; attempt++) {
      const hint = tried?.failure.leader;
      const leader = hint !== undefined && hint !== null && hint !== tried!.leader && hint !== this.context.id ? hint : await this.waitForLeader(deadline, tried);
      const term = this.currentRole()?.term ?? 0;
      const remaining = deadline - performance.now();
      try {
        if (leader === this.context.id || request === undefined) return await here(remaining);
        return await this.forward(leader, request(remaining - RETURN_MARGIN_MS), remaining, effect);
      } catch (error) {
        const failure = operationErrorOf(error);
        const retryable = failure.code === 'NO_LEADER' && attempt < MAX_ATTEMPTS && deadline - performance.now() > RETURN_MARGIN_MS;
        if (!retryable) throw failure;
        tried = { leader, term, failure };
        this.context.logger.debug({ peer: leader, leader, code: failure.code, attempt }, 'request not served by the leader; trying again');
      }
    }
  }

  private async forward(leader: string, request: ForwardRequest, timeoutMs: number, effect: ForwardEffect): Promise<unknown> {
    this.context.metrics.forwarded();
    let answer: unknown;
    try {
      answer = await this.context.transport.request(leader, request, timeoutMs);
    } catch (error) {
      throw forwardFailure(error, leader, effect);
    }
    return resultOf(answer, leader, effect);
  }

  /**
   * waitForLeader returns the leader this node knows of, waiting up to two election timeouts (and
   * never past the deadline) for one to be elected. After a failure at `tried.leader` it waits for
   * another leader, or the same one in a later term; if none comes, that failure is the answer.
   */
  private async waitForLeader(deadline: number, tried: Tried | undefined): Promise<string> {
    const limit = Math.min(deadline, performance.now() + 2 * this.electionTimeoutMs);
    for (;;) {
      if (this.stopping) throw new OperationError('SHUTTING_DOWN', 'this node is shutting down');
      const known = this.context.role?.();
      if (known !== undefined && known.leader !== null && (tried === undefined || known.leader !== tried.leader || known.term > tried.term)) return known.leader;
      const status = this.safeStatus();
      if (status === undefined) throw new OperationError('SHUTTING_DOWN', 'this node is not running');
      const leader = status.leader;
      if (leader !== null && (tried === undefined || leader !== tried.leader || status.term > tried.term)) return leader;
      if (performance.now() >= limit) {
        if (tried !== undefined) throw tried.failure;
        const member = membershipOf(status.config, this.context.id) !== 'non-member';
        throw member
          ? new OperationError('NO_LEADER', 'no leader is known (an election may be under way, or a majority is unreachable)')
          : new OperationError('NOT_MEMBER', `${this.context.id} is not a member of a cluster yet`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.context.tickMs, 20)));
    }
  }

  /** currentRole is the role view while running (else the status, which fails once stopped). */
  private currentRole(): { readonly leader: string | null; readonly term: number } | undefined {
    const known = this.stopping ? undefined : this.context.role?.();
    return known ?? this.safeStatus();
  }

  private safeStatus(): ReturnType<KvNode['status']> | undefined {
    try {
      return this.context.node.status();
    } catch {
      return undefined;
    }
  }

  private adminTimeoutMs(): number {
    // Membership changes may wait for a new member to catch up (by snapshot): more than one request's time.
    return 6 * this.context.requestTimeoutMs;
  }

  // -------------------------------------------------------------------------------------------
  // Running on this node
  // -------------------------------------------------------------------------------------------

  private async writeHere(unstamped: NodeKvCommand, dedup: Dedup, timeoutMs: number): Promise<KvWriteResult> {
    // The entry carries the proposing leader's wall clock: session expiry, and key expiry of the
    // extended commands, are decided from it.
    const now = Date.now();
    const command = stampLeaderClock(unstamped, now);
    const entry =
      dedup.kind === 'key'
        ? idempotentCommand(dedup.key, dedup.requestHash, command, now)
        : dedup.kind === 'session'
          ? sessionCommand(dedup.clientId, dedup.sequence, command, now)
          : untrackedCommand(command, now);
    const started = performance.now();
    let outcome: SessionResult<KvResult>;
    this.context.metrics.pendingProposal(1);
    try {
      outcome = await withTimeout(this.context.node.propose(entry), timeoutMs, () => new OperationError('TIMEOUT', `the write was not answered within ${Math.round(timeoutMs)} ms; it may still apply`));
    } catch (error) {
      const failure = operationErrorOf(error);
      this.context.metrics.proposal(failure.code);
      throw failure;
    } finally {
      this.context.metrics.pendingProposal(-1);
    }
    this.context.metrics.proposal('OK', (performance.now() - started) / 1000);
    switch (outcome.status) {
      case 'applied':
        return outcome.result as KvWriteResult;
      case 'failed':
        throw new OperationError('BAD_REQUEST', outcome.message);
      case 'rejected':
        throw new OperationError(outcome.code === 'INVALID_SESSION_COMMAND' ? 'BAD_REQUEST' : outcome.code, outcome.message);
      case 'ticked':
        throw new OperationError('INTERNAL', 'a write was answered as a session tick');
    }
  }

  /** hostedNode is the node as a HostedNode; NOT_IMPLEMENTED (certainly not applied) on a KV node. */
  private hostedNode(): HostedNode {
    if (this.context.hostsMachine !== true) throw machineNotHosted();
    return this.context.node as unknown as HostedNode;
  }

  private async machineCommandHere(command: unknown, dedup: Dedup, timeoutMs: number): Promise<HostedResult> {
    const node = this.hostedNode();
    const now = Date.now();
    const entry = dedup.kind === 'key' ? idempotentCommand(dedup.key, dedup.requestHash, command, now) : dedup.kind === 'session' ? sessionCommand(dedup.clientId, dedup.sequence, command, now) : untrackedCommand(command, now);
    const started = performance.now();
    let outcome: SessionResult<HostedResult>;
    try {
      outcome = await withTimeout(node.propose(entry), timeoutMs, () => new OperationError('TIMEOUT', `the command was not answered within ${Math.round(timeoutMs)} ms; it may still apply`));
    } catch (error) {
      const failure = operationErrorOf(error);
      this.context.metrics.proposal(failure.code);
      throw failure;
    }
    this.context.metrics.proposal('OK', performance.now() - started);
    switch (outcome.status) {
      case 'applied':
        return outcome.result;
      case 'failed':
        // The machine's apply threw (on every replica alike): the command changed nothing.
        throw new OperationError('BAD_REQUEST', outcome.message);
      case 'rejected':
        throw new OperationError(outcome.code === 'INVALID_SESSION_COMMAND' ? 'BAD_REQUEST' : outcome.code, outcome.message);
      case 'ticked':
        throw new OperationError('INTERNAL', 'a command was answered as a session tick');
    }
  }

  private async machineQueryHere(query: unknown, timeoutMs: number): Promise<HostedResult> {
    const node = this.hostedNode();
    return applied(await withTimeout(node.read(query), timeoutMs, () => new OperationError('TIMEOUT', `the query was not answered within ${Math.round(timeoutMs)} ms`)));
  }

  private async readHere(key: string, timeoutMs: number): Promise<KvReadResult> {
    return (await this.queryHere({ op: 'get', key }, timeoutMs)) as KvReadResult;
  }

  private async queryHere(query: NodeKvQuery, timeoutMs: number): Promise<KvResult> {
    const outcome = await withTimeout(this.context.node.read(query), timeoutMs, () => new OperationError('TIMEOUT', `the read was not answered within ${Math.round(timeoutMs)} ms`));
    if (outcome.status !== 'applied') throw new OperationError('INTERNAL', `unexpected read answer ${outcome.status}`);
    return outcome.result;
  }

  /**
   * addMemberHere runs one add at a time: while a learner catches up before its promotion, the
   * change is still pending (docs/architecture.md: 409), though no configuration entry is uncommitted.
   */
  private async addMemberHere(request: AddMemberRequest, timeoutMs: number): Promise<{ index: number; role: 'voter' | 'learner' }> {
    if (this.addingMember !== undefined) {
      throw new OperationError('CONFLICT', `adding ${this.addingMember} is in progress; add ${request.id} once it finished`, this.context.id);
    }
    this.addingMember = request.id;
    try {
      return await this.addMemberSteps(request, timeoutMs);
    } finally {
      this.addingMember = undefined;
    }
  }

  private async addMemberSteps(request: AddMemberRequest, timeoutMs: number): Promise<{ index: number; role: 'voter' | 'learner' }> {
    const { node } = this.context;
    const deadline = performance.now() + timeoutMs;
    if (request.httpAddress !== undefined) this.httpAddresses.set(request.id, request.httpAddress);
    const role = membershipOf(node.status().config, request.id);
    let index = node.status().configIndex;
    if (role === 'voter') return { index, role: 'voter' };
    if (role === 'non-member') {
      await this.context.admitNewMember?.(request.id, request.peerAddress);
      index = (await withTimeout(node.changeMembership({ type: 'addLearner', id: request.id, address: request.peerAddress }), timeoutMs, () => adminTimeout('adding the learner'))).index;
    }
    if (request.learner) return { index, role: 'learner' };
    await this.waitCaughtUp(request.id, deadline);
    const remaining = deadline - performance.now();
    index = (await withTimeout(node.changeMembership({ type: 'promote', id: request.id }), remaining, () => adminTimeout('promoting the learner'))).index;
    return { index, role: 'voter' };
  }

  /** waitCaughtUp waits until the leader's log is replicated to `id` up to what it was when called. */
  private async waitCaughtUp(id: string, deadline: number): Promise<void> {
    const target = this.context.node.status().commit;
    for (;;) {
      const status = this.context.node.status();
      if (status.role !== 'leader') throw new OperationError('NO_LEADER', 'leadership was lost while the new member caught up', status.leader);
      const progress = status.progress.find((peer) => peer.id === id);
      if (progress !== undefined && progress.match >= target) return;
      if (performance.now() >= deadline) throw new OperationError('TIMEOUT', `${id} did not catch up in time; it stays a learner (add it again to promote it)`);
      await new Promise((resolve) => setTimeout(resolve, this.context.tickMs));
    }
  }

  private async removeMemberHere(id: string, timeoutMs: number): Promise<{ index: number }> {
    return withTimeout(this.context.node.changeMembership({ type: 'remove', id }), timeoutMs, () => adminTimeout(`removing ${id}`));
  }

  private transferHere(to: string | undefined, timeoutMs: number): Promise<{ leader: string; term: number }> {
    // docs/architecture.md answers a refused transfer with 409, whatever the reason: a target that is no
    // voter is refused like one that is behind or unresponsive, not a missing route (404).
    const transfer = this.context.node.transferLeadership(to).catch((error: unknown) => {
      const failure = operationErrorOf(error);
      throw failure.code === 'NOT_FOUND' ? new OperationError('CONFLICT', failure.message, failure.leader) : failure;
    });
    return withTimeout(transfer, timeoutMs, () => adminTimeout('the leadership transfer'));
  }
}

/** applied unwraps a hosted query's answer (queries pass through the session wrapper as `applied`). */
function applied(outcome: SessionResult<HostedResult>): HostedResult {
  if (outcome.status !== 'applied') throw new OperationError('INTERNAL', `unexpected query answer ${outcome.status}`);
  return outcome.result;
}

function machineNotHosted(): OperationError {
  return new OperationError('NOT_IMPLEMENTED', 'this node hosts the KV store (use /v1/kv); start it with --machine to host a state machine');
}

function kvNotHosted(): OperationError {
  return new OperationError('NOT_IMPLEMENTED', 'this node hosts a --machine state machine, not the KV store (use /v1/command and /v1/query)');
}

function adminTimeout(what: string): OperationError {
  return new OperationError('TIMEOUT', `${what} did not finish in time; it may still take effect`);
}
