import type { Unknown } from './history.js';

/** StepResult says whether an operation could take effect in a state, and the state after it. */
export interface StepResult<State> {
  readonly ok: boolean;
  readonly state: State;
}

/**
 * Model is the sequential specification the checker tests a history against, in the style of
 * porcupine's `Model`. Plugin authors write one for their state machine; `kvModel` is ours.
 *
 * To ensure correctness:
 * - `step` MUST be pure: no mutation of `state`, the same answer for the same arguments (the
 *   search calls it again and again while backtracking).
 * - `step` MUST accept an UNKNOWN output whenever the input could take effect in `state`, and
 *   return the state as if it had. The checker also tries leaving such an operation out (it
 *   never took effect), so the model does not have to express that case.
 * - If `partition` is given, operations in different partitions MUST NOT affect each other
 *   (linearizability is compositional: the whole history is linearizable iff each part is).
 */
export interface Model<State, Input, Output> {
  /** init is the state before any operation. */
  init(): State;
  /** step applies `input` to `state` and says whether the recorded `output` is what it returns. */
  step(state: State, input: Input, output: Output | Unknown): StepResult<State>;
  /** partition names the independent part (for a KV store, the key) an operation belongs to. */
  partition?(input: Input): string;
  /**
   * isReadOnly tells whether an input never changes the state. Such an operation with an UNKNOWN
   * output constrains nothing, so the checker drops it instead of searching over its placements.
   */
  isReadOnly?(input: Input): boolean;
  /**
   * hash folds a state into a string or number that is equal for equal states. The default is
   * `JSON.stringify`, which is only right for plain JSON data.
   */
  hash?(state: State): string | number;
  /** equal compares two states with the same hash. The default compares the hashes. */
  equal?(left: State, right: State): boolean;
  /** describeOperation renders an operation for failure reports. */
  describeOperation?(input: Input, output: Output | Unknown): string;
  /** describeState renders a state for failure reports. */
  describeState?(state: State): string;
}

/** ResolvedModel is a Model with its defaults filled in, as the search uses it. */
export interface ResolvedModel<State, Input, Output> {
  init(): State;
  step(state: State, input: Input, output: Output | Unknown): StepResult<State>;
  partition(input: Input): string | null;
  isReadOnly(input: Input): boolean;
  hash(state: State): string | number;
  equal(left: State, right: State): boolean;
  describeOperation(input: Input, output: Output | Unknown): string;
  describeState(state: State): string;
}

/** resolveModel fills in the defaults documented on {@link Model}. */
export function resolveModel<State, Input, Output>(model: Model<State, Input, Output>): ResolvedModel<State, Input, Output> {
  const hash = model.hash ? model.hash.bind(model) : (state: State) => JSON.stringify(state) ?? 'undefined';
  return {
    init: () => model.init(),
    step: (state, input, output) => model.step(state, input, output),
    partition: model.partition ? model.partition.bind(model) : () => null,
    isReadOnly: model.isReadOnly ? model.isReadOnly.bind(model) : () => false,
    hash,
    equal: model.equal ? model.equal.bind(model) : (left, right) => hash(left) === hash(right),
    describeOperation: model.describeOperation
      ? model.describeOperation.bind(model)
      : (input, output) => `${describeValue(input)} -> ${typeof output === 'symbol' ? 'unknown' : describeValue(output)}`,
    describeState: model.describeState ? model.describeState.bind(model) : describeValue,
  };
}

function describeValue(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
