/**
 * The KV model: the one definition of what get, put, delete and cas do, shared by the simulated
 * state machine (which applies commands) and the linearizability checker (which replays
 * histories). Keeping both on `applyKvCommand` means the checker can never disagree with the
 * machine about the semantics, only about the order the cluster chose.
 */
import { isUnknown, type Unknown } from '../linearizability/history.js';
import type { Model, StepResult } from '../linearizability/model.js';

/** KvValue is a key's value; null when the key is absent. */
export type KvValue = string | null;

/** KvGet reads a key. */
export interface KvGet {
  readonly type: 'get';
  readonly key: string;
}

/** KvPut sets a key. */
export interface KvPut {
  readonly type: 'put';
  readonly key: string;
  readonly value: string;
}

/** KvDelete removes a key (and succeeds when it is already absent). */
export interface KvDelete {
  readonly type: 'delete';
  readonly key: string;
}

/** KvCas sets a key to `value` only if it currently holds `expect` (null: only if absent). */
export interface KvCas {
  readonly type: 'cas';
  readonly key: string;
  readonly expect: KvValue;
  readonly value: string;
}

/** KvCommand is any KV operation. */
export type KvCommand = KvGet | KvPut | KvDelete | KvCas;

/** CasResult says whether a cas took effect and what the key holds afterwards. */
export interface CasResult {
  readonly ok: boolean;
  /** current is the value after the cas: `value` when it took effect, the unchanged value if not. */
  readonly current: KvValue;
}

/** KvResults maps each command type to its result type. */
export interface KvResults {
  readonly get: KvValue;
  readonly put: 'ok';
  readonly delete: 'ok';
  readonly cas: CasResult;
}

/** KvResult is the result of a command (of a given command type, if narrowed). */
export type KvResult<Command extends KvCommand = KvCommand> = KvResults[Command['type']];

/** KvTransition is a command's effect on one key. */
export interface KvTransition<Command extends KvCommand = KvCommand> {
  readonly value: KvValue;
  readonly result: KvResult<Command>;
}

/**
 * applyKvCommand applies a command to the current value of its key. It is pure and
 * deterministic; the cas decision is made here, from the command and the state alone (DESIGN:
 * such decisions are made inside apply, never checked beforehand on the leader).
 */
export function applyKvCommand<Command extends KvCommand>(current: KvValue, command: Command): KvTransition<Command>;
export function applyKvCommand(current: KvValue, command: KvCommand): KvTransition {
  switch (command.type) {
    case 'get':
      return { value: current, result: current };
    case 'put':
      return { value: command.value, result: 'ok' };
    case 'delete':
      return { value: null, result: 'ok' };
    case 'cas':
      return current === command.expect
        ? { value: command.value, result: { ok: true, current: command.value } }
        : { value: current, result: { ok: false, current } };
  }
}

/** kvResultsEqual compares two results of the same command type. */
export function kvResultsEqual(left: KvResult, right: KvResult): boolean {
  if (typeof left === 'object' && left !== null && typeof right === 'object' && right !== null) {
    return left.ok === right.ok && left.current === right.current;
  }
  return left === right;
}

/**
 * kvModel is the checker's model of a KV store: partitioned by key, so the state is one key's
 * value. A get with an unknown outcome is read-only and dropped by the checker.
 */
export const kvModel: Model<KvValue, KvCommand, KvResult> = {
  init: () => null,
  step(state: KvValue, input: KvCommand, output: KvResult | Unknown): StepResult<KvValue> {
    const transition = applyKvCommand(state, input);
    return { ok: isUnknown(output) || kvResultsEqual(transition.result, output), state: transition.value };
  },
  partition: (input) => input.key,
  isReadOnly: (input) => input.type === 'get',
  // -1 cannot collide with a string, so an absent key and any value hash apart.
  hash: (state) => state ?? -1,
  equal: (left, right) => left === right,
  describeOperation: describeKvOperation,
  describeState: (state) => (state === null ? 'absent' : JSON.stringify(state)),
};

/** describeKvOperation renders a command and its result, e.g. `cas("x", null, "1") -> ok`. */
export function describeKvOperation(input: KvCommand, output: KvResult | Unknown): string {
  const quote = (value: KvValue) => JSON.stringify(value);
  const call =
    input.type === 'put'
      ? `put(${quote(input.key)}, ${quote(input.value)})`
      : input.type === 'cas'
        ? `cas(${quote(input.key)}, ${quote(input.expect)}, ${quote(input.value)})`
        : `${input.type}(${quote(input.key)})`;
  if (isUnknown(output)) return `${call} -> ?`;
  if (typeof output === 'object' && output !== null) return `${call} -> ${output.ok ? 'ok' : `failed, current ${quote(output.current)}`}`;
  return `${call} -> ${input.type === 'get' ? quote(output) : output}`;
}
