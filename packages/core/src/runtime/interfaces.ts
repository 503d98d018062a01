import type { Message, NodeId } from '../raft/types.js';

/**
 * Transport carries messages between peers. It may drop, delay, duplicate or reorder them (Raft
 * tolerates all of that) but MUST never corrupt one or deliver it to the wrong node.
 */
export interface Transport {
  /** start begins delivering incoming messages to `onMessage`. */
  start(onMessage: (from: NodeId, message: Message) => void): Promise<void>;
  /** send queues a message; it never throws for an unreachable peer (the message is dropped). */
  send(to: NodeId, message: Message): void;
  /** close stops delivery and releases the transport's connections and ports. */
  close(): Promise<void>;
}

/** ApplyMeta tells `apply` where the command sits in the log. */
export interface ApplyMeta {
  readonly index: number;
  readonly term: number;
}

/**
 * StateMachine is what plugin authors write (Graft's machine behaviour): a deterministic function
 * of the committed commands. `Result` is what `apply` answers a command with, `QueryResult` what
 * `query` answers a read with (by default the same type). docs/state-machines.md is the guide.
 */
export interface StateMachine<Command, Query, Result, QueryResult = Result> {
  /**
   * apply MUST be deterministic: the same commands in the same order give the same results (no
   * clock, no randomness: take them from the command). A throw is this command's answer: the
   * entry still counts as applied, the proposer's `propose` rejects with the thrown error, and
   * every replica MUST throw alike and leave the state alike (validate before changing anything).
   */
  apply(command: Command, meta: ApplyMeta): Result;
  /** query answers a read-only question from the current state; it MUST NOT change the state. */
  query(query: Query): QueryResult;
  /**
   * snapshot captures the state at the applied index AT CALL TIME: the runtime keeps applying
   * while the stream is read, so capture synchronously (or copy-on-write) before returning. An
   * `async *snapshot()` generator body runs only when first read, too late.
   */
  snapshot(): AsyncIterable<Uint8Array>;
  /** restore replaces the whole state with a snapshot's. */
  restore(chunks: AsyncIterable<Uint8Array>): Promise<void>;
}

/** Codec turns commands into entry bytes and back. The default is JSON over UTF-8. */
export interface Codec<T> {
  /** encode turns a value into the bytes of a log entry. */
  encode(value: T): Uint8Array;
  /** decode turns an entry's bytes back into the value `encode` was given. */
  decode(bytes: Uint8Array): T;
}

/**
 * Clock drives the runtime's ticks and timeouts. `createRealClock()` uses timers and the monotonic
 * clock; `createVirtualClock()` advances only when told, for deterministic tests.
 */
export interface Clock {
  /** now is monotonic milliseconds. */
  now(): number;
  /** setTimeout calls `callback` after `ms`; the returned function cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
}

/**
 * AbortSignalLike is what the runtime reads of an `AbortSignal` (`waitForLeader`'s `signal`): any
 * runtime's AbortSignal fits, `AbortSignal.timeout(ms)` included. Declared here so the core needs
 * no Node or DOM typings.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  /** addEventListener registers `listener` to run when the signal aborts. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** removeEventListener unregisters a listener added with addEventListener. */
  removeEventListener(type: 'abort', listener: () => void): void;
}
