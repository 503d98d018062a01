/**
 * The Wing–Gong linearizability search with memoization (Lowe's improvement), as in porcupine's
 * `checkSingle`, for one partition of a history.
 *
 * The calls and returns of all operations form one list ordered by time. The search walks it from
 * the front. At a call, it tries to linearize that operation now: if the model accepts it and the
 * pair (set of linearized operations, model state) has not been seen before, the operation's call
 * and return leave the list ("lift"), the choice is pushed, and the walk starts again from the
 * front. Reaching a return means some operation that has already returned could not be placed
 * before it, so the last choice is undone ("unlift") and the walk moves past it. The history is
 * linearizable once every operation with a known output is placed, and is not when a dead end has
 * nothing left to undo.
 *
 * Operations with UNKNOWN outputs return at +infinity, after every known return, so the search
 * may place one anywhere after its call (it took effect then) or leave it out when the known
 * operations are all placed (it never took effect, or did so after everything observed).
 *
 * The memo is what makes this fast in practice: two paths that linearized the same operations
 * and reached the same state have the same future, so the second is cut at once.
 */
import type { Budget } from './budget.js';
import { Bitset } from './bitset.js';
import { isUnknown, type Operation } from './history.js';
import type { ResolvedModel } from './model.js';

/** SearchOutcome is the answer for one partition; operations are named by their index. */
export type SearchOutcome<State> =
  | { readonly kind: 'linearizable'; readonly order: readonly number[] }
  | {
      readonly kind: 'violation';
      /** longest is the longest sequence of operations the search could linearize. */
      readonly longest: readonly number[];
      /** stateAfterLongest is the model state after `longest`. */
      readonly stateAfterLongest: State;
    }
  | { readonly kind: 'unknown' };

const NONE = -1;

interface MemoEntry<State> {
  readonly linearized: Bitset;
  readonly state: State;
}

interface Choice<State> {
  readonly operation: number;
  /** stateBefore is restored when the choice is undone. */
  readonly stateBefore: State;
}

/**
 * searchLinearization decides whether `operations` (one partition) are linearizable under
 * `model`. `trackLongest` records the longest partial linearization for failure reports; it costs
 * a copy each time the record grows, so the checker asks for it only when explaining.
 */
export function searchLinearization<State, Input, Output>(
  model: ResolvedModel<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  budget: Budget,
  trackLongest: boolean,
): SearchOutcome<State> {
  const count = operations.length;
  // Node i is the call of operation i, node count + i its return, node 2 * count the list head.
  const head = 2 * count;
  const next = new Int32Array(head + 1);
  const previous = new Int32Array(head + 1);
  linkByTime(operations, next, previous, head);

  const linearized = new Bitset(count);
  const memo = new Map<number, MemoEntry<State>[]>();
  const choices: Choice<State>[] = [];
  let longest: number[] = [];
  let stateAfterLongest: State = model.init();
  let state = model.init();
  // Zobrist hash of `linearized`: each operation has a random 32-bit key and the set hashes to
  // the XOR of its members' keys, so adding or removing one operation updates it in O(1).
  let linearizedHash = 0;

  // Operations with known outputs not yet placed: the search succeeds when none is left.
  let unplaced = 0;
  for (const operation of operations) if (!isUnknown(operation.output)) unplaced++;

  let node = next[head]!;
  while (unplaced > 0) {
    if (node < count) {
      const operation = operations[node]!;
      if (!budget.spend()) return { kind: 'unknown' };
      const result = model.step(state, operation.input, operation.output);
      if (result.ok) {
        const key = memoKey(linearizedHash ^ zobrist(node), model.hash(result.state));
        if (!memoContains(model, memo.get(key), linearized, node, result.state)) {
          const entry: MemoEntry<State> = { linearized: linearized.copyWith(node), state: result.state };
          const bucket = memo.get(key);
          if (bucket) bucket.push(entry);
          else memo.set(key, [entry]);
          choices.push({ operation: node, stateBefore: state });
          state = result.state;
          linearized.set(node);
          linearizedHash ^= zobrist(node);
          if (!isUnknown(operation.output)) unplaced--;
          lift(node, count, next, previous);
          node = next[head]!;
          continue;
        }
      }
      node = next[node]!;
    } else {
      // A return: the operation it ends is not yet linearized, and nothing tried so far lets it
      // be, so the last choice was wrong. (Never an UNKNOWN operation's return: those sit after
      // every known return, and the loop ends once all known operations are placed.)
      if (trackLongest && choices.length > longest.length) {
        longest = choices.map((choice) => choice.operation);
        stateAfterLongest = state;
      }
      const choice = choices.pop();
      if (choice === undefined) return { kind: 'violation', longest, stateAfterLongest };
      state = choice.stateBefore;
      linearized.clear(choice.operation);
      linearizedHash ^= zobrist(choice.operation);
      if (!isUnknown(operations[choice.operation]!.output)) unplaced++;
      unlift(choice.operation, count, next, previous);
      node = next[choice.operation]!;
    }
  }
  return { kind: 'linearizable', order: choices.map((choice) => choice.operation) };
}

/**
 * linkByTime builds the doubly linked event list. At equal times calls come before returns, so
 * two operations that merely touch (one returns when the other is called) count as concurrent:
 * with clocks of finite resolution their order is not known.
 */
function linkByTime(operations: readonly Operation<unknown, unknown>[], next: Int32Array, previous: Int32Array, head: number): void {
  let last = head;
  for (const node of orderEvents(operations)) {
    next[last] = node;
    previous[node] = last;
    last = node;
  }
  next[last] = NONE;
  previous[head] = NONE;
}

/**
 * orderEvents returns the calls (node i for operation i) and returns (node count + i) sorted by
 * time. At equal times calls come before returns, so two operations that merely touch (one
 * returns when the other is called) count as concurrent: with clocks of finite resolution their
 * order is not known.
 */
export function orderEvents(operations: readonly Operation<unknown, unknown>[]): number[] {
  const count = operations.length;
  const time = (node: number) => {
    const operation = operations[node < count ? node : node - count]!;
    return node < count ? operation.callTime : returnTimeOf(operation);
  };
  const nodes = Array.from({ length: 2 * count }, (_, node) => node);
  nodes.sort((left, right) => {
    const leftTime = time(left);
    const rightTime = time(right);
    // Compared, not subtracted: two unknown outcomes are both +infinity and would give NaN.
    if (leftTime !== rightTime) return leftTime < rightTime ? -1 : 1;
    const leftIsReturn = left >= count ? 1 : 0;
    const rightIsReturn = right >= count ? 1 : 0;
    return leftIsReturn - rightIsReturn || left - right;
  });
  return nodes;
}

/** returnTimeOf is the return time the search uses: +infinity when the outcome is unknown. */
export function returnTimeOf(operation: Operation<unknown, unknown>): number {
  return isUnknown(operation.output) ? Number.POSITIVE_INFINITY : operation.returnTime;
}

/** lift takes an operation's call and return out of the list (they are never the list's head). */
function lift(call: number, count: number, next: Int32Array, previous: Int32Array): void {
  const callNext = next[call]!;
  next[previous[call]!] = callNext;
  previous[callNext] = previous[call]!;
  const returnNode = call + count;
  const returnNext = next[returnNode]!;
  next[previous[returnNode]!] = returnNext;
  if (returnNext !== NONE) previous[returnNext] = previous[returnNode]!;
}

/**
 * unlift puts them back. The choices are undone in the reverse order they were made, so each
 * node's own `next`/`previous` still point at the neighbours it had when lifted.
 */
function unlift(call: number, count: number, next: Int32Array, previous: Int32Array): void {
  const returnNode = call + count;
  next[previous[returnNode]!] = returnNode;
  const returnNext = next[returnNode]!;
  if (returnNext !== NONE) previous[returnNext] = returnNode;
  next[previous[call]!] = call;
  previous[next[call]!] = call;
}

function memoContains<State>(
  model: ResolvedModel<State, unknown, unknown>,
  bucket: MemoEntry<State>[] | undefined,
  linearized: Bitset,
  adding: number,
  state: State,
): boolean {
  if (bucket === undefined) return false;
  for (const entry of bucket) {
    if (linearized.equalsWith(entry.linearized, adding) && model.equal(entry.state, state)) return true;
  }
  return false;
}

/** zobrist is operation `index`'s fixed random key (a murmur3 finalizer over the index). */
function zobrist(index: number): number {
  let hash = Math.imul(index + 0x9e3779b9, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash | 0;
}

/**
 * memoKey folds the set hash and the state hash into one number for the memo map. Collisions only
 * cost a comparison: entries are matched exactly by `equalsWith` and `equal`.
 */
function memoKey(linearizedHash: number, stateHash: string | number): number {
  let hash = 0x811c9dc5;
  if (typeof stateHash === 'number') {
    hash = Math.imul(hash ^ (stateHash | 0), 0x01000193);
    hash = Math.imul(hash ^ ((stateHash / 4294967296) | 0), 0x01000193);
  } else {
    for (let i = 0; i < stateHash.length; i++) hash = Math.imul(hash ^ stateHash.charCodeAt(i), 0x01000193);
  }
  // 32 bits of set hash and 21 bits of state hash fit a double's 53-bit integer range exactly.
  return (linearizedHash >>> 0) * 0x200000 + ((hash >>> 0) & 0x1fffff);
}
