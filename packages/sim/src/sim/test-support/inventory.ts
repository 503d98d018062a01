/**
 * The inventory machine and model of docs/state-machines.md, verbatim, so the guide's code is
 * type-checked and run (docs-example.test.ts). Keep the two in step.
 */
import type { ApplyMeta, StateMachine } from '@raftkit/core';
import { UNKNOWN } from '../../linearizability/history.js';
import type { Model } from '../../linearizability/model.js';

/** InventoryCommand stocks or takes an item. */
export type InventoryCommand =
  | { readonly type: 'stock'; readonly item: string; readonly quantity: number }
  | { readonly type: 'take'; readonly item: string; readonly quantity: number; readonly at: number };
/** InventoryQuery counts an item. */
export type InventoryQuery = { readonly type: 'count'; readonly item: string };

/** OutOfStockError is the answer to a `take` of more than is in stock. */
export class OutOfStockError extends Error {
  override readonly name = 'OutOfStockError';
  readonly code = 'OUT_OF_STOCK';
}

/** Inventory is the guide's whole state machine. */
export class Inventory implements StateMachine<InventoryCommand, InventoryQuery, number, number> {
  private stock = new Map<string, number>();
  /** When each item was last taken, in the proposer's wall-clock ms (from the entry). */
  private lastTaken = new Map<string, number>();

  apply(command: InventoryCommand, _meta: ApplyMeta): number {
    const current = this.stock.get(command.item) ?? 0;
    if (command.type === 'stock') {
      this.stock.set(command.item, current + command.quantity);
      return current + command.quantity;
    }
    // Check everything BEFORE changing anything: a throw must leave the state as it was.
    if (command.quantity > current) throw new OutOfStockError(`${command.item}: ${current} left, ${command.quantity} asked`);
    this.stock.set(command.item, current - command.quantity);
    this.lastTaken.set(command.item, command.at);
    return current - command.quantity;
  }

  query(query: InventoryQuery): number {
    return this.stock.get(query.item) ?? 0;
  }

  snapshot(): AsyncIterable<Uint8Array> {
    // Serialize NOW (see "Snapshots"), with sorted keys so equal states give equal bytes.
    const bytes = new TextEncoder().encode(
      JSON.stringify({
        version: 1,
        stock: [...this.stock].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        lastTaken: [...this.lastTaken].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      }),
    );
    return (async function* () {
      yield bytes;
    })();
  }

  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const parsed = JSON.parse(new TextDecoder().decode(Buffer.concat(parts))) as {
      version: number;
      stock: [string, number][];
      lastTaken: [string, number][];
    };
    if (parsed.version !== 1) throw new Error(`unknown inventory snapshot version ${parsed.version}`);
    // Replace the whole state, and only once the snapshot has been read whole.
    this.stock = new Map(parsed.stock);
    this.lastTaken = new Map(parsed.lastTaken);
  }
}

type State = ReadonlyMap<string, number>;

/** inventoryModel is the guide's model of the inventory. */
export const inventoryModel: Model<State, InventoryCommand, number> = {
  init: () => new Map(),
  step: (state, command, output) => {
    const current = state.get(command.item) ?? 0;
    if (command.type === 'take' && command.quantity > current) {
      // Refused: nothing changes. The scenario's client records an error that is not one of
      // raftkit's (OutOfStockError) as an unknown outcome, so only UNKNOWN can be seen here.
      return { ok: output === UNKNOWN, state };
    }
    const next = command.type === 'stock' ? current + command.quantity : current - command.quantity;
    return { ok: output === UNKNOWN || output === next, state: new Map(state).set(command.item, next) };
  },
  partition: (command) => command.item, // items are independent: check each on its own
  describeState: (state) => JSON.stringify([...state]),
};
