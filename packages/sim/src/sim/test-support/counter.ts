/**
 * The counter state machine of the README and of docs/state-machines.md, in two variants that
 * differ only in `snapshot()`: the eager one captures the total when called (right), the lazy one
 * is an `async *snapshot()` generator whose body first runs when storage reads it (wrong).
 */
import type { ApplyMeta, StateMachine } from '@raftkit/core';
import { UNKNOWN } from '../../linearizability/history.js';
import type { Model } from '../../linearizability/model.js';

/** CounterCommand adds to the total or reads it through the log; both answer the total. */
export type CounterCommand = { readonly type: 'add'; readonly amount: number } | { readonly type: 'read' };

/** EagerCounter captures its state when `snapshot()` is called. */
export class EagerCounter implements StateMachine<CounterCommand, null, number> {
  protected total = 0;
  apply(command: CounterCommand, _meta: ApplyMeta): number {
    if (command.type === 'add') this.total += command.amount;
    return this.total;
  }
  query(): number {
    return this.total;
  }
  snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new TextEncoder().encode(String(this.total));
    return (async function* () {
      yield bytes;
    })();
  }
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const chunk of chunks) this.total = Number(new TextDecoder().decode(chunk));
  }
}

/** LazyCounter reads its state when storage first reads the stream: entries applied meanwhile leak in. */
export class LazyCounter extends EagerCounter {
  override async *snapshot(): AsyncGenerator<Uint8Array> {
    yield new TextEncoder().encode(String(this.total));
  }
}

/** counterModel is what the counter should answer, for the linearizability checker. */
export const counterModel: Model<number, CounterCommand, number> = {
  init: () => 0,
  step: (state, input, output) => {
    const next = input.type === 'add' ? state + input.amount : state;
    return { ok: output === UNKNOWN || output === next, state: next };
  },
  isReadOnly: (input) => input.type === 'read',
};
