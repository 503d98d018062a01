/**
 * A tiny typed listener registry: enough for `node.on('roleChanged', fn)` without pulling in an
 * EventEmitter (the core runs on any JavaScript host).
 */

/** Listener receives one event's payload. */
export type Listener<Payload> = (payload: Payload) => void;

/** Listeners keeps, per event name, the functions to call with that event's payload. */
export class Listeners<Events extends object> {
  private readonly byEvent = new Map<keyof Events, Set<Listener<never>>>();

  /** on adds `listener` for `event`; the returned function removes it. */
  on<Name extends keyof Events>(event: Name, listener: Listener<Events[Name]>): () => void {
    let set = this.byEvent.get(event);
    if (set === undefined) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  /** count is how many listeners `event` has. */
  count(event: keyof Events): number {
    return this.byEvent.get(event)?.size ?? 0;
  }

  /**
   * emit calls every listener of `event` synchronously. A listener that throws does not stop the
   * others nor the caller (the runtime emits from inside its effect loop); its error is rethrown
   * from a fresh microtask so the host still reports it as uncaught.
   */
  emit<Name extends keyof Events>(event: Name, payload: Events[Name]): void {
    const set = this.byEvent.get(event);
    if (set === undefined) return;
    for (const listener of [...set] as Listener<Events[Name]>[]) {
      try {
        listener(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
