/**
 * UNKNOWN is the output of an operation whose outcome the client never learned (a timeout, a
 * `504`, a dropped connection). Such an operation may or may not have taken effect, at any moment
 * after its call: the checker treats its return time as +infinity. `Symbol.for` keeps it one value
 * even if two copies of this package are loaded.
 */
export const UNKNOWN: unique symbol = Symbol.for('@raftkit/sim.unknown-outcome');

/** Unknown is the type of {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/**
 * Operation is one client call as the client saw it: what it asked, what it was told, and when
 * (in any monotonic unit, the same for every client). An operation that certainly did NOT take
 * effect (a `503`) does not belong in the history at all: leave it out.
 */
export interface Operation<Input, Output> {
  /** clientId names the caller; a client issues one operation at a time. */
  readonly clientId: string;
  readonly input: Input;
  /** output is what the call returned, or UNKNOWN. */
  readonly output: Output | Unknown;
  /** callTime is when the call was issued: the operation cannot take effect before it. */
  readonly callTime: number;
  /**
   * returnTime is when the answer arrived: the operation took effect before it. Ignored (read as
   * +infinity) when the output is UNKNOWN.
   */
  readonly returnTime: number;
}

/** History is every operation of a run, in any order. */
export type History<Input, Output> = readonly Operation<Input, Output>[];

/**
 * returned builds an operation whose answer arrived. The type parameters are `const` so literals
 * keep their types (`'put'`, not `string`) and a history typechecks against its model.
 */
export function returned<const Input, const Output>(
  clientId: string,
  input: Input,
  output: Output,
  callTime: number,
  returnTime: number,
): Operation<Input, Output> {
  return { clientId, input, output, callTime, returnTime };
}

/** timedOut builds an operation whose outcome is unknown (return time +infinity). */
export function timedOut<const Input, Output = never>(clientId: string, input: Input, callTime: number): Operation<Input, Output> {
  return { clientId, input, output: UNKNOWN, callTime, returnTime: Number.POSITIVE_INFINITY };
}

/** isUnknown tells whether an output is UNKNOWN. */
export function isUnknown<Output>(output: Output | Unknown): output is Unknown {
  return output === UNKNOWN;
}

/** InvalidHistoryErrorCode says what is wrong with a history handed to the checker. */
export type InvalidHistoryErrorCode = 'INVALID_CALL_TIME' | 'RETURN_BEFORE_CALL';

/** InvalidHistoryError is thrown for a history no real run could produce. */
export class InvalidHistoryError extends Error {
  override readonly name = 'InvalidHistoryError';
  constructor(
    readonly code: InvalidHistoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * validateOperation rejects impossible timing. It is checked up front because the search would
 * otherwise silently read a reversed interval as a constraint and report a bogus violation.
 */
export function validateOperation(operation: Operation<unknown, unknown>, position: number): void {
  if (!Number.isFinite(operation.callTime)) {
    throw new InvalidHistoryError('INVALID_CALL_TIME', `operation ${position}: callTime must be a finite number, got ${operation.callTime}`);
  }
  if (!isUnknown(operation.output) && !(operation.returnTime >= operation.callTime)) {
    throw new InvalidHistoryError(
      'RETURN_BEFORE_CALL',
      `operation ${position}: returnTime ${operation.returnTime} is before callTime ${operation.callTime}`,
    );
  }
}
