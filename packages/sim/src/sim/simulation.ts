/**
 * Simulation: N RaftNodes in one process on a virtual clock, a virtual network (SimNetwork) and
 * crashable virtual disks (SimStorage), with every invariant checked after every step.
 *
 *   run() ─► advance the clock to the next timer ─► fire every timer due then (ticks, message
 *        ▲   deliveries, disk writes landing, faults, clients' sleeps)
 *        │                 │
 *        │                 ▼
 *        └── check ◄── flush: let every promise job run (acks, proposals, client code)
 *           invariants
 *
 * No real timer or I/O is used, and every random choice comes from streams derived from the one
 * seed, so a seed replays the same run: the trace (every message, write, role change, client call
 * and fault) hashes equal, byte for byte.
 */
import {
  NodeStoppedError,
  createRaftNode,
  createVirtualClock,
  type Codec,
  type MembershipConfig,
  type Message,
  type NodeId,
  type RaftNode,
  type RaftNodeConfig,
  type RaftNodeOptions,
  type RaftNodeStatus,
  type RoleChangedEvent,
  type StateMachine,
  type Transport,
  type VirtualClock,
} from '@raftkit/core';
import type { Operation } from '../linearizability/history.js';
import { flush } from './flush.js';
import { HistoryRecorder, type InvokeOutcome } from './history-recorder.js';
import { describeConfig, InvariantChecker, type Inspector } from './invariants.js';
import { NodeClock } from './node-clock.js';
import { observeApplies } from './observed-state-machine.js';
import { deriveRandom, deriveRng, type SimRandom } from './random.js';
import { SimDisk } from './sim-disk.js';
import { DEFAULT_LINK_FAULTS, SimNetwork, type LinkFaults } from './sim-network.js';
import { DEFAULT_DISK_FAULTS, SimStorage, type DiskFaults } from './sim-storage.js';
import { Trace } from './trace.js';
import { SimulationViolation, type InvariantName } from './violation.js';

/** ClientTimeoutError: a simulated client stopped waiting; the operation's outcome is unknown. */
export class ClientTimeoutError extends Error {
  override readonly name = 'ClientTimeoutError';
  readonly code = 'CLIENT_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`the client gave up after ${timeoutMs} ms without an answer`);
  }
}

/** SimulationNodeConfig: the node config the simulation passes to every node (id and random are its own). */
export type SimulationNodeConfig = Partial<Omit<RaftNodeConfig, 'id' | 'random'>>;

/** SimulationNodeOptions: the RaftNode options the simulation does not provide itself. */
export type SimulationNodeOptions<Command, Query, Result, QueryResult = Result> = Partial<
  Omit<RaftNodeOptions<Command, Query, Result, QueryResult>, 'config' | 'storage' | 'transport' | 'stateMachine' | 'clock' | 'codec' | 'bootstrap' | 'proposalTimeoutMs'>
>;

/** SIMULATION_NODE_DEFAULTS: short ticks so a run covers many elections in little virtual time. */
export const SIMULATION_NODE_DEFAULTS = { tickMs: 10, electionTicks: 10, heartbeatTicks: 2 } as const;

/** SimulationOptions configures a simulation. Only `seed` and `stateMachine` are required. */
export interface SimulationOptions<Command, Query, Result, QueryResult = Result> {
  /** The one seed every random choice derives from. */
  readonly seed: number;
  /** Node ids, or a count (ids n1..nN). Default 3. */
  readonly nodes?: number | readonly NodeId[];
  /**
   * The nodes that bootstrap the cluster as its voters. Default: every node. The others start
   * empty and wait as non-members until a leader adds them (`changeMembership`).
   */
  readonly members?: readonly NodeId[];
  /** Makes a fresh state machine for each node incarnation (a restart starts from an empty one). */
  readonly stateMachine: () => StateMachine<Command, Query, Result, QueryResult>;
  /** Turns commands into entry bytes. Default: JSON. */
  readonly codec?: Codec<Command>;
  /** Node config over SIMULATION_NODE_DEFAULTS. */
  readonly config?: SimulationNodeConfig;
  /** Proposal timeout. Default 20 ticks. */
  readonly proposalTimeoutMs?: number;
  /**
   * A client recorded through `invoke` or `invokeRead` gives up after this long and
   * records an unknown outcome (a paused node answers nothing, not even its own timeout).
   * Default 5 × proposalTimeoutMs.
   */
  readonly clientTimeoutMs?: number;
  /** Further RaftNode options for every node (snapshot policy, ...). */
  readonly nodeOptions?: SimulationNodeOptions<Command, Query, Result, QueryResult>;
  /** Every link's initial behaviour. Default DEFAULT_LINK_FAULTS. */
  readonly links?: LinkFaults;
  /** Disk write delays. Default DEFAULT_DISK_FAULTS. */
  readonly disk?: DiskFaults;
  /** Keep every trace line in `trace.lines` (the hash and the last lines are always kept). */
  readonly recordTrace?: boolean;
  /** How many trace lines a violation carries. Default 50. */
  readonly recentEvents?: number;
  /**
   * Invariants not to check, e.g. to show that with the direct check off, a bug is still caught
   * by its consequences. Default: check everything.
   */
  readonly ignoreInvariants?: readonly InvariantName[];
}

/** Member is one node slot: its disk outlives its incarnations. */
interface Member<Command, Query, Result, QueryResult> {
  readonly id: NodeId;
  readonly disk: SimDisk;
  incarnation: number;
  up: boolean;
  node: RaftNode<Command, Query, Result, QueryResult> | undefined;
  storage: SimStorage | undefined;
  machine: StateMachine<Command, Query, Result, QueryResult> | undefined;
  /** The running incarnation's clock (paused while the process is paused). */
  clock: NodeClock | undefined;
  /** The running incarnation's core, once it has started. */
  inspector: Inspector | undefined;
  detach: () => void;
  /** The status fields traced last, to trace only changes. */
  traced: string;
  /** The configuration index traced last. */
  tracedConfig: number;
}

/** createSimulation builds a stopped simulation; call `start()`. */
export function createSimulation<Command, Query, Result, QueryResult = Result>(
  options: SimulationOptions<Command, Query, Result, QueryResult>,
): Simulation<Command, Query, Result, QueryResult> {
  return new Simulation(options);
}

/** Simulation; see the module comment. */
/** Simulation runs a cluster; `QueryResult` is what reads answer (default `Result`). */
export class Simulation<Command, Query, Result, QueryResult = Result> {
  readonly seed: number;
  readonly ids: readonly NodeId[];
  /** The configuration the cluster bootstraps with (see `SimulationOptions.members`). */
  readonly bootstrap: MembershipConfig;
  readonly clock: VirtualClock = createVirtualClock();
  readonly trace: Trace;
  readonly network: SimNetwork;
  readonly checker: InvariantChecker;
  /** A stream for the caller's own choices (workloads, fault schedules). */
  readonly random: SimRandom;
  /** The node config every node runs with (defaults filled in). */
  readonly nodeConfig: SimulationNodeConfig & typeof SIMULATION_NODE_DEFAULTS;
  private readonly options: SimulationOptions<Command, Query, Result, QueryResult>;
  private readonly storageRandom: SimRandom;
  private readonly members = new Map<NodeId, Member<Command, Query, Result, QueryResult>>();
  private readonly disks = new Map<NodeId, SimDisk>();
  private readonly recorder: HistoryRecorder<Command, Result | QueryResult>;
  private readonly proposalTimeoutMs: number;
  private readonly clientTimeoutMs: number;
  private failure: SimulationViolation | undefined;
  private readonly roleListeners = new Set<(id: NodeId, event: RoleChangedEvent) => void>();

  constructor(options: SimulationOptions<Command, Query, Result, QueryResult>) {
    if (!Number.isSafeInteger(options.seed)) throw new RangeError(`seed must be a safe integer, got ${options.seed}`);
    this.options = options;
    this.seed = options.seed;
    const nodes = options.nodes ?? 3;
    this.ids = typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => `n${i + 1}`) : [...nodes];
    if (this.ids.length === 0 || new Set(this.ids).size !== this.ids.length) throw new RangeError(`nodes must be distinct and non-empty: ${this.ids.join(', ')}`);
    const members = options.members ?? this.ids;
    if (members.length === 0 || members.some((id) => !this.ids.includes(id))) throw new RangeError(`members must be a non-empty subset of the nodes: ${members.join(', ')}`);
    this.bootstrap = { voters: [...members], outgoingVoters: [], learners: [] };
    this.nodeConfig = { ...SIMULATION_NODE_DEFAULTS, ...options.config } as SimulationNodeConfig & typeof SIMULATION_NODE_DEFAULTS;
    this.proposalTimeoutMs = options.proposalTimeoutMs ?? 20 * this.nodeConfig.tickMs;
    this.clientTimeoutMs = options.clientTimeoutMs ?? 5 * this.proposalTimeoutMs;
    this.checker = new InvariantChecker(new Set(options.ignoreInvariants ?? []));
    this.trace = new Trace({ record: options.recordTrace ?? false, recent: options.recentEvents ?? 50 });
    this.recorder = new HistoryRecorder(this.clock, (text) => this.record(text));
    this.random = deriveRandom(this.seed, 'user');
    this.storageRandom = deriveRandom(this.seed, 'storage');
    this.network = new SimNetwork({
      clock: this.clock,
      random: deriveRandom(this.seed, 'network'),
      links: options.links ?? DEFAULT_LINK_FAULTS,
      trace: (text) => this.record(text),
      sent: (from, message) => this.messageSent(from, message),
    });
    for (const id of this.ids) {
      this.disks.set(id, new SimDisk());
      this.members.set(id, { id, disk: this.disks.get(id)!, incarnation: 0, up: false, node: undefined, storage: undefined, machine: undefined, clock: undefined, inspector: undefined, detach: () => {}, traced: '', tracedConfig: -1 });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Nodes
  // ------------------------------------------------------------------------------------------

  /** start starts every node on its empty disk, bootstrapping the cluster. */
  async start(): Promise<void> {
    for (const id of this.ids) await this.startNode(this.member(id));
    await flush();
    this.check();
  }

  /** crash kills `id` at once: a random prefix of its queued writes lands, the rest is lost. */
  crash(id: NodeId): void {
    const member = this.member(id);
    if (!member.up) return;
    member.up = false;
    member.clock?.discard();
    const report = member.storage!.crash();
    member.detach();
    this.record(`crash ${id} landed ${report.landed} lost ${report.lost}`);
    // stop() never finishes (the write it waits for never lands); it only silences the node.
    member.node!.stop().catch(() => {});
  }

  /** restart starts a new incarnation of the crashed `id` on what its disk holds. */
  async restart(id: NodeId): Promise<void> {
    const member = this.member(id);
    if (member.up) throw new Error(`restart(${id}): the node is running`);
    await this.startNode(member);
  }

  /** isUp tells whether `id` is running. */
  isUp(id: NodeId): boolean {
    return this.member(id).up;
  }

  /**
   * pause freezes `id`'s process: its ticks, timeouts and disk completions stop, and messages and
   * client calls to it wait, while virtual time goes on for the others. `freezeTime` also stops its
   * clock for the length of the pause (see NodeClock). A crash ends the pause (and its backlog).
   */
  pause(id: NodeId, options: { readonly freezeTime?: boolean } = {}): void {
    const member = this.member(id);
    if (!member.up || member.clock === undefined || member.clock.paused) return;
    member.clock.pause(options);
    this.record(`pause ${id}${options.freezeTime === true ? ' freezing its clock' : ''}`);
  }

  /** resume lets a paused `id` run again: what waited (timers, messages, calls) runs first, in order. */
  resume(id: NodeId): void {
    const clock = this.member(id).clock;
    if (clock === undefined || !clock.paused) return;
    this.record(`resume ${id} with ${clock.heldCount} waiting`);
    clock.resume();
  }

  /** isPaused tells whether `id` is paused. */
  isPaused(id: NodeId): boolean {
    return this.member(id).clock?.paused === true;
  }

  /** upNodes lists the running nodes. */
  upNodes(): NodeId[] {
    return this.ids.filter((id) => this.member(id).up);
  }

  /** node is the RaftNode of `id`'s latest incarnation (stopped if the node is down). */
  node(id: NodeId): RaftNode<Command, Query, Result, QueryResult> {
    const node = this.member(id).node;
    if (node === undefined) throw new Error(`node ${id} was never started`);
    return node;
  }

  /** machine is the state machine of `id`'s latest incarnation. */
  machine(id: NodeId): StateMachine<Command, Query, Result, QueryResult> {
    const machine = this.member(id).machine;
    if (machine === undefined) throw new Error(`node ${id} was never started`);
    return machine;
  }

  /** disk is what `id` holds durably. */
  disk(id: NodeId): SimDisk {
    return this.member(id).disk;
  }

  /** status of a running node. */
  status(id: NodeId): RaftNodeStatus {
    return this.node(id).status();
  }

  /** leader is the running node that leads in the highest term, if any. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const id of this.upNodes()) {
      // A node still loading its storage has no role yet.
      if (this.member(id).inspector === undefined) continue;
      const status = this.node(id).status();
      if (status.role === 'leader' && (best === undefined || status.term > best.term)) best = { id, term: status.term };
    }
    return best?.id;
  }

  /** stableLeader is the leader every running node follows in the same term, if there is one. */
  stableLeader(): NodeId | undefined {
    const leader = this.leader();
    if (leader === undefined) return undefined;
    const { term, config } = this.node(leader).status();
    // Only members follow the leader: a node waiting to be added, or removed, hears from no one.
    const members = new Set([...config.voters, ...config.outgoingVoters, ...config.learners, leader]);
    return this.upNodes().filter((id) => members.has(id)).every((id) => {
      if (this.member(id).inspector === undefined) return false;
      const status = this.node(id).status();
      return status.term === term && status.leader === leader;
    })
      ? leader
      : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Network faults
  // ------------------------------------------------------------------------------------------

  /** partition splits the nodes into groups that cannot reach each other (both ways). */
  partition(...groups: (readonly NodeId[])[]): void {
    this.network.partition(groups);
    this.record(`partition ${groups.map((group) => `[${group.join(',')}]`).join(' ')}`);
  }

  /** isolate cuts `id` off from every other node, both ways. */
  isolate(id: NodeId): void {
    this.partition([id], this.ids.filter((other) => other !== id));
  }

  /** cutOneWay drops messages from `from` to `to` only. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.network.cutOneWay(from, to);
    this.record(`cut ${from}>${to}`);
  }

  /** heal restores every cut link. */
  heal(): void {
    this.network.heal();
    this.record('heal');
  }

  /** setLink sets how the link `from`→`to` delays, loses and duplicates messages. */
  setLink(from: NodeId, to: NodeId, faults: LinkFaults): void {
    this.network.setLink(from, to, faults);
    this.record(`link ${from}>${to} ${describeLink(faults)}`);
  }

  /** delayMessages holds every `type` message sent from now on `extraMs` longer (0 ends it). */
  delayMessages(type: Message['type'], extraMs: number): void {
    this.network.delayType(type, extraMs);
    this.record(`delay ${type} +${extraMs}ms`);
  }

  /** setLinks sets every link's behaviour. */
  setLinks(faults: LinkFaults): void {
    this.network.setDefaultLinks(faults);
    this.record(`links ${describeLink(faults)}`);
  }

  // ------------------------------------------------------------------------------------------
  // Time
  // ------------------------------------------------------------------------------------------

  /** now is the virtual time in ms. */
  now(): number {
    return this.clock.now();
  }

  /**
   * step advances to the next timer, fires every timer due then, lets all promise work settle and
   * checks the invariants. Returns false when nothing is scheduled.
   */
  async step(): Promise<boolean> {
    this.check();
    const next = this.clock.nextTimerAt();
    if (next === undefined) return false;
    this.clock.advance(next - this.clock.now());
    await flush();
    this.observe();
    this.check();
    return true;
  }

  /** run advances `steps` steps, or `virtualMs` of virtual time, whichever ends first. */
  async run(limit: { readonly steps?: number; readonly virtualMs?: number }): Promise<void> {
    const until = limit.virtualMs === undefined ? Number.POSITIVE_INFINITY : this.clock.now() + limit.virtualMs;
    const steps = limit.steps ?? Number.POSITIVE_INFINITY;
    for (let done = 0; done < steps; done++) {
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > until) break;
      await this.step();
    }
    if (until !== Number.POSITIVE_INFINITY && steps === Number.POSITIVE_INFINITY && this.clock.now() < until) {
      this.clock.advance(until - this.clock.now());
      await flush();
      this.observe();
      this.check();
    }
  }

  /**
   * runUntil steps until `condition` holds, for at most `virtualMs`. Returns whether it holds.
   */
  async runUntil(condition: () => boolean, virtualMs: number): Promise<boolean> {
    const until = this.clock.now() + virtualMs;
    await flush();
    this.check();
    while (!condition()) {
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > until) {
        if (this.clock.now() < until) {
          this.clock.advance(until - this.clock.now());
          await flush();
          this.observe();
          this.check();
        }
        return condition();
      }
      await this.step();
    }
    return true;
  }

  /**
   * onRoleChanged calls `listener` whenever a running node reports a role, term or leader change
   * (for fault schedules that react to elections). Returns a function that removes it.
   */
  onRoleChanged(listener: (id: NodeId, event: RoleChangedEvent) => void): () => void {
    this.roleListeners.add(listener);
    return () => this.roleListeners.delete(listener);
  }

  /** sleep resolves after `ms` of virtual time (for workload code running inside the simulation). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.clock.setTimeout(resolve, ms);
    });
  }

  /** schedule calls `callback` after `ms` of virtual time; returns a cancel function. */
  schedule(ms: number, callback: () => void): () => void {
    return this.clock.setTimeout(callback, ms);
  }

  // ------------------------------------------------------------------------------------------
  // Clients and history
  // ------------------------------------------------------------------------------------------

  /** propose sends `command` to `id` (NodeStoppedError if it is down). Not recorded in the history. */
  propose(id: NodeId, command: Command): Promise<Result> {
    const member = this.member(id);
    if (!member.up || member.node === undefined) return Promise.reject(new NodeStoppedError(`${id} is down`));
    const node = member.node;
    return this.whenRunning(member, () => node.propose(command));
  }

  /** read asks `id` for a linearizable read (`RaftNode.read`). Not recorded in the history. */
  read(id: NodeId, query: Query): Promise<QueryResult> {
    const member = this.member(id);
    if (!member.up || member.node === undefined) return Promise.reject(new NodeStoppedError(`${id} is down`));
    const node = member.node;
    return this.whenRunning(member, () => node.read(query));
  }

  /**
   * invokeRead reads `query` on `id` for `clientId` and records it as the operation `input` (the
   * model's name for the read). A read changes nothing, so a failed one is not recorded at all.
   */
  invokeRead(clientId: string, id: NodeId, input: Command, query: Query): Promise<InvokeOutcome<Result | QueryResult>> {
    return this.recorder.invoke(clientId, `${id} read `, input, () => this.withClientTimeout(this.read(id, query)), { readOnly: true });
  }

  /**
   * track records an operation whose outcome `call` decides, by the same rules as `invoke`: for
   * clients that do more than one proposal per operation (retries with a session, ...). The call
   * decides how long to wait: no client timeout applies.
   */
  track(clientId: string, label: string, input: Command, call: () => Promise<Result | QueryResult>): Promise<InvokeOutcome<Result | QueryResult>> {
    return this.recorder.invoke(clientId, `${label} `, input, call);
  }

  /** withClientTimeout rejects with ClientTimeoutError if `call` has not settled within clientTimeoutMs. */
  private withClientTimeout<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.clock.setTimeout(() => reject(new ClientTimeoutError(this.clientTimeoutMs)), this.clientTimeoutMs);
      call.then(
        (value) => {
          cancel();
          resolve(value);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
    });
  }

  /** whenRunning calls `call` now, or once `member` resumes if it is paused (the request waits). */
  private whenRunning<T>(member: Member<Command, Query, Result, QueryResult>, call: () => Promise<T>): Promise<T> {
    const clock = member.clock;
    if (clock === undefined || !clock.paused) return call();
    return new Promise<T>((resolve, reject) => clock.hold(() => call().then(resolve, reject)));
  }

  /**
   * invoke proposes `command` to `id` on behalf of `clientId` and records the operation in the
   * history: with its result when it returned, as unknown when the outcome is unknown, and not at
   * all when it certainly was not applied. A client SHOULD have one invoke running at a time.
   */
  invoke(clientId: string, id: NodeId, command: Command): Promise<InvokeOutcome<Result | QueryResult>> {
    return this.recorder.invoke(clientId, `${id} `, command, () => this.withClientTimeout(this.propose(id, command)));
  }

  /** history is every recorded operation; calls still running count as unknown outcomes. */
  get history(): Operation<Command, Result | QueryResult>[] {
    return this.recorder.history();
  }

  // ------------------------------------------------------------------------------------------
  // Invariants
  // ------------------------------------------------------------------------------------------

  /** check throws the first violation found so far, if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
    const found = this.checker.violation;
    if (found !== undefined) this.fail(found.invariant, found.detail);
  }

  /** fail throws (and keeps throwing on every later step) a violation with this run's seed. */
  fail(invariant: InvariantName, detail: string): never {
    if (this.failure === undefined) {
      this.record(`VIOLATION ${invariant}: ${detail}`);
      this.failure = new SimulationViolation(this.seed, invariant, detail, this.clock.now(), this.trace.recent());
    }
    throw this.failure;
  }

  /** record adds a line to the trace at the current virtual time. */
  record(text: string): void {
    this.trace.record(this.clock.now(), text);
  }

  // ------------------------------------------------------------------------------------------
  // Internals
  // ------------------------------------------------------------------------------------------

  private member(id: NodeId): Member<Command, Query, Result, QueryResult> {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`no node ${id} in this simulation`);
    return member;
  }

  private async startNode(member: Member<Command, Query, Result, QueryResult>): Promise<void> {
    const id = member.id;
    member.incarnation++;
    const clock = new NodeClock(this.clock);
    const storage = new SimStorage({
      disk: member.disk,
      clock,
      random: this.storageRandom,
      faults: this.options.disk ?? DEFAULT_DISK_FAULTS,
      trace: (text) => this.record(`${id} ${text}`),
      entryWritten: (entry, previousTerm) => this.checker.entryWritten(id, entry, previousTerm),
    });
    let detached = false;
    const transport = this.network.transport(id);
    const guarded: Transport = {
      // A paused process reads nothing from its sockets and sends nothing: both wait for resume.
      start: (onMessage) => transport.start((from, message) => clock.hold(() => onMessage(from, message))),
      send: (to, message) => {
        clock.hold(() => {
          if (!detached) transport.send(to, message);
        });
      },
      close: () => transport.close(),
    };
    const machine = this.options.stateMachine();
    const node = createRaftNode<Command, Query, Result, QueryResult>({
      ...this.options.nodeOptions,
      config: { ...this.nodeConfig, id, random: deriveRng(this.seed, `raft/${id}/${member.incarnation}`) },
      storage,
      transport: guarded,
      stateMachine: observeApplies(machine, (meta) => this.checker.applied(id, meta.index, meta.term)),
      clock,
      ...(this.bootstrap.voters.includes(id) ? { bootstrap: this.bootstrap } : {}),
      proposalTimeoutMs: this.proposalTimeoutMs,
      // Batches per microtask, not per event-loop turn (the runtime's default): a step's proposals
      // and reads are then carried out before flush() returns, and every seed keeps its history.
      schedule: this.options.nodeOptions?.schedule ?? ((flush: () => void) => queueMicrotask(flush)),
      ...(this.options.codec !== undefined ? { codec: this.options.codec } : {}),
    });
    Object.assign(member, { node, storage, machine, clock, up: true, traced: '', tracedConfig: -1, inspector: undefined });
    member.detach = () => {
      detached = true;
      void transport.close();
    };
    node.on('roleChanged', (event) => {
      this.record(`${id} ${event.role} t${event.term}${event.leader !== null && event.role !== 'leader' ? ` leader ${event.leader}` : ''}`);
      if (event.role === 'leader') this.checker.leaderElected(id, event.term, node.inspect());
      for (const listener of [...this.roleListeners]) listener(id, event);
    });
    node.on('error', (error) => {
      this.checker.report('Node Failure', `${id} stopped with an error: ${describeError(error)}`);
    });
    this.checker.nodeStarting(id);
    this.record(`start ${id} #${member.incarnation}`);
    try {
      await node.start();
    } catch (error) {
      if (!member.up) return; // Crashed while starting.
      this.checker.report('Node Failure', `${id} failed to start: ${describeError(error)}`);
      return;
    }
    if (member.up && member.node === node) {
      member.inspector = node.inspect();
      this.checker.nodeStarted(id, member.inspector, member.disk);
    }
  }

  private observe(): void {
    for (const member of this.members.values()) {
      if (!member.up || member.inspector === undefined) continue;
      this.checker.observe(member.id, member.inspector);
      const status = member.inspector.status();
      const traced = `t${status.term} c${status.commit} a${status.applied} l${status.lastIndex} p${status.persistedIndex}`;
      if (traced !== member.traced) {
        member.traced = traced;
        this.record(`${member.id} ${traced}`);
      }
      if (status.configIndex !== member.tracedConfig) {
        member.tracedConfig = status.configIndex;
        this.record(`${member.id} config@${status.configIndex} ${describeConfig(status.config)}`);
      }
    }
    this.checker.committedIsSafe(this.ids, this.disks, (id) => this.disks.get(id)!.config() ?? (this.bootstrap.voters.includes(id) ? this.bootstrap : undefined));
  }

  private messageSent(from: NodeId, message: Message): void {
    this.checker.messageSent(from, message, this.member(from).disk);
  }
}

function describeLink(faults: LinkFaults): string {
  return `${faults.minDelayMs}-${faults.maxDelayMs}ms loss ${faults.loss} dup ${faults.duplicate}`;
}

/** describeError renders an error and its chain of causes on one line. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(', caused by: ');
}
