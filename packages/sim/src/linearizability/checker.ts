/**
 * checkLinearizability: is there one order of the operations, consistent with real time (an
 * operation that returned before another was called comes first), in which the model gives every
 * recorded answer? (Herlihy & Wing, "Linearizability", 1990.)
 *
 * The history is split by the model's `partition` (for a KV store, by key) and each part is
 * searched on its own: linearizability is compositional, so the whole is linearizable iff every
 * part is, and k small searches are exponentially cheaper than one big one.
 */
import { Budget, type BudgetExhaustion } from './budget.js';
import { explainViolation, type Violation } from './explain.js';
import { isUnknown, validateOperation, type History, type Operation } from './history.js';
import { resolveModel, type Model, type ResolvedModel } from './model.js';
import { searchLinearization } from './search.js';

/** CheckOptions bounds the work of a check. */
export interface CheckOptions {
  /**
   * maxSteps is the most model steps the search may take before answering `unknown`; the
   * explanation of a violation gets the same amount again. Deterministic. Default 2,000,000.
   */
  readonly maxSteps?: number;
  /** timeoutMs is a wall-clock limit, also answered with `unknown`. Default: none. */
  readonly timeoutMs?: number;
  /** now is the clock `timeoutMs` is measured on, in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** DEFAULT_MAX_STEPS is the default of {@link CheckOptions.maxSteps}. */
export const DEFAULT_MAX_STEPS = 2_000_000;

/**
 * LinearizabilityResult is the verdict. `ok` is true only for a proof of linearizability: a
 * check that ran out of budget is NOT ok, so `if (!result.ok)` never lets a doubt pass.
 */
export type LinearizabilityResult<Input, Output> =
  | { readonly ok: true; readonly verdict: 'linearizable'; readonly steps: number }
  | ({ readonly ok: false; readonly verdict: 'violation'; readonly steps: number } & Violation<Input, Output>)
  | {
      readonly ok: false;
      readonly verdict: 'unknown';
      /** key is the partition being searched when the budget ran out (null: no partitioning). */
      readonly key: string | null;
      readonly reason: BudgetExhaustion;
      readonly steps: number;
    };

/** checkLinearizability checks `history` against `model`; see the module comment. */
export function checkLinearizability<State, Input, Output>(
  model: Model<State, Input, Output>,
  // NoInfer: the model alone fixes the types, so a history with a wrong input is an error rather
  // than a reason to widen Input.
  history: History<NoInfer<Input>, NoInfer<Output>>,
  options: CheckOptions = {},
): LinearizabilityResult<Input, Output> {
  history.forEach(validateOperation);
  const resolved = resolveModel(model);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const now = options.now ?? Date.now;
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : now() + options.timeoutMs;
  const budget = new Budget(maxSteps, deadline, now);

  for (const [key, operations] of partitionHistory(resolved, history)) {
    const outcome = searchLinearization(resolved, operations, budget, false);
    if (outcome.kind === 'unknown') {
      return { ok: false, verdict: 'unknown', key, reason: budget.exhausted ?? 'step-budget', steps: budget.steps };
    }
    if (outcome.kind === 'violation') {
      const explainBudget = new Budget(maxSteps, deadline, now);
      const violation = explainViolation(resolved, key, operations, explainBudget);
      return { ok: false, verdict: 'violation', steps: budget.steps, ...violation };
    }
  }
  return { ok: true, verdict: 'linearizable', steps: budget.steps };
}

/**
 * partitionHistory groups the operations by partition, in key order so the reported key does not
 * depend on the order the history was recorded in. Read-only operations with unknown outcomes
 * are dropped here: they may be placed anywhere, so they never decide anything.
 */
function partitionHistory<State, Input, Output>(
  model: ResolvedModel<State, Input, Output>,
  history: History<Input, Output>,
): [string | null, Operation<Input, Output>[]][] {
  const partitions = new Map<string | null, Operation<Input, Output>[]>();
  for (const operation of history) {
    if (isUnknown(operation.output) && model.isReadOnly(operation.input)) continue;
    const key = model.partition(operation.input);
    const partition = partitions.get(key);
    if (partition) partition.push(operation);
    else partitions.set(key, [operation]);
  }
  return [...partitions].sort(([left], [right]) => (left === right ? 0 : (left ?? '') < (right ?? '') ? -1 : 1));
}
