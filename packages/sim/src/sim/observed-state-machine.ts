/**
 * observeApplies wraps a StateMachine so the simulator sees every apply (index and term) before
 * the machine does, without the plugin author's machine knowing it is being watched.
 */
import type { ApplyMeta, StateMachine } from '@raftkit/core';

/** observeApplies returns `machine` with `onApply` called before each apply. */
export function observeApplies<Command, Query, Result, QueryResult>(
  machine: StateMachine<Command, Query, Result, QueryResult>,
  onApply: (meta: ApplyMeta) => void,
): StateMachine<Command, Query, Result, QueryResult> {
  return {
    apply(command, meta) {
      onApply(meta);
      return machine.apply(command, meta);
    },
    query: (query) => machine.query(query),
    snapshot: () => machine.snapshot(),
    restore: (chunks) => machine.restore(chunks),
  };
}
