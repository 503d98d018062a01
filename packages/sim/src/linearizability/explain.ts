/**
 * Turning "not linearizable" into something a person can read: the shortest prefix of the
 * partition's history that already fails, the operation whose answer broke it, and how far a
 * legal order gets before it is stuck.
 */
import type { Budget } from './budget.js';
import { UNKNOWN, isUnknown, type Operation } from './history.js';
import type { ResolvedModel } from './model.js';
import { orderEvents, searchLinearization } from './search.js';

/** Violation describes why a partition is not linearizable. */
export interface Violation<Input, Output> {
  /** key is the failing partition (null when the model does not partition). */
  readonly key: string | null;
  /**
   * failingPrefix is the smallest prefix of the partition's history found to be non-linearizable
   * (cut at a point in time), in call order. Operations still running at the cut appear with an
   * UNKNOWN output, since at that point they might or might not have taken effect.
   */
  readonly failingPrefix: readonly Operation<Input, Output>[];
  /** culprit is the operation whose return ends the failing prefix: its answer is impossible. */
  readonly culprit: Operation<Input, Output>;
  /** longestLinearization is the longest legal order of prefix operations the search found. */
  readonly longestLinearization: readonly Operation<Input, Output>[];
  /** explanation says all of the above in prose and a table. */
  readonly explanation: string;
}

/**
 * explainViolation finds the smallest failing prefix of a partition known to be non-linearizable.
 * Failure is monotone in the prefix (linearizability is prefix-closed), so a binary search over
 * cut points finds it in O(log n) checks. A check cut short by the budget counts as "passes", so
 * the prefix returned has always been seen to fail, even if it is not the smallest.
 */
export function explainViolation<State, Input, Output>(
  model: ResolvedModel<State, Input, Output>,
  key: string | null,
  operations: readonly Operation<Input, Output>[],
  budget: Budget,
): Violation<Input, Output> {
  const events = orderEvents(operations);
  const count = operations.length;
  const position = new Int32Array(2 * count);
  events.forEach((node, index) => (position[node] = index));

  /** prefixAt is the history as it stood after the first `cut` events, in call order. */
  const prefixAt = (cut: number): Operation<Input, Output>[] => {
    const prefix: Operation<Input, Output>[] = [];
    for (const node of events.slice(0, cut)) {
      if (node >= count) continue;
      const operation = operations[node]!;
      if (position[node + count]! < cut) prefix.push(operation);
      else if (!model.isReadOnly(operation.input)) prefix.push({ ...operation, output: UNKNOWN, returnTime: Number.POSITIVE_INFINITY });
    }
    return prefix;
  };
  const fails = (cut: number) => searchLinearization(model, prefixAt(cut), budget, false).kind === 'violation';

  let passing = 0;
  let failing = events.length;
  while (failing - passing > 1) {
    const middle = (passing + failing) >>> 1;
    if (fails(middle)) failing = middle;
    else passing = middle;
  }

  const failingPrefix = prefixAt(failing);
  // The last event of a minimal failing prefix is a return (a call alone adds an operation that
  // may be left out, so it cannot break a prefix); walk back in case the budget kept it from
  // being minimal.
  let culpritIndex = failing - 1;
  while (culpritIndex > 0 && events[culpritIndex]! < count) culpritIndex--;
  const culpritNode = events[culpritIndex]!;
  const culprit = operations[culpritNode >= count ? culpritNode - count : culpritNode]!;

  const outcome = searchLinearization(model, failingPrefix, budget, true);
  const longestLinearization = outcome.kind === 'violation' ? outcome.longest.map((index) => failingPrefix[index]!) : [];
  const stateAfter = outcome.kind === 'violation' ? model.describeState(outcome.stateAfterLongest) : null;

  const explanation = describe(model, key, count, failingPrefix, culprit, longestLinearization, stateAfter);
  return { key, failingPrefix, culprit, longestLinearization, explanation };
}

function describe<State, Input, Output>(
  model: ResolvedModel<State, Input, Output>,
  key: string | null,
  partitionSize: number,
  failingPrefix: readonly Operation<Input, Output>[],
  culprit: Operation<Input, Output>,
  longest: readonly Operation<Input, Output>[],
  stateAfter: string | null,
): string {
  const number = (operation: Operation<Input, Output>) => `#${failingPrefix.indexOf(operation)}`;
  const lines = [
    `Not linearizable${key === null ? '' : ` on key ${JSON.stringify(key)}`}.`,
    `The smallest failing prefix found has ${failingPrefix.length} of the ${partitionSize} operations; ` +
      `it fails when ${number(culprit)} returns at t=${culprit.returnTime}:`,
  ];
  for (const operation of failingPrefix) {
    const interval = `[${operation.callTime}, ${isUnknown(operation.output) ? '∞)' : `${operation.returnTime}]`}`;
    const marker = operation === culprit ? '   <- impossible answer' : isUnknown(operation.output) ? '   (no answer by the cut)' : '';
    lines.push(
      `  ${number(operation).padEnd(4)} client ${operation.clientId.padEnd(6)} ${interval.padEnd(14)} ` +
        `${model.describeOperation(operation.input, operation.output)}${marker}`,
    );
  }
  if (stateAfter === null) {
    lines.push('(The search for the longest legal order ran out of budget.)');
  } else {
    const order = longest.length === 0 ? 'none' : longest.map(number).join(', ');
    lines.push(`Longest legal order of these operations: ${order}; state after it: ${stateAfter}.`);
    lines.push('No remaining operation can come next without contradicting an answer or real-time order.');
  }
  return lines.join('\n');
}
