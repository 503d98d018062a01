/**
 * Session hands out the SessionStamps of a client's commands, following the node's session rules
 * (core `createSessionStateMachine`, Raft thesis §6.3):
 *
 * - Sequence 1 from an unknown client starts its session; any other sequence from an unknown
 *   client is refused SESSION_EXPIRED. So the first command of a session runs ALONE, and the
 *   others wait until it applied. If it certainly did not apply, the next command takes sequence
 *   1 again; if its outcome is unknown, the client cannot tell whether the session exists and
 *   starts a new one under a new client id (abandoning a session is always safe).
 * - A session keeps the answers of its last `maxRetainedResults` (default 64) applied sequences;
 *   an older retry is answered SESSION_RESULT_EVICTED even if it never applied. So at most
 *   `maxInflight` commands are in flight at once, and the rest wait for a slot.
 * - A session refused as expired (idle too long, or evicted) is over: the client continues under
 *   a new client id, as the node asks.
 *
 * Within a session each command takes its sequence ONCE; every retry of it reuses the stamp.
 */
import type { SessionStamp } from './protocol.js';

/** CommandFate is what became of a command, as far as its session is concerned. */
export type CommandFate = 'applied' | 'not-applied' | 'unknown' | 'expired';

/** Session numbers one client's commands; see the module comment. */
export class Session {
  private generation = 1;
  private currentId: string;
  private lastSequence = 0;
  /** The cluster applied sequence 1 of `currentId`. */
  private started = false;
  /** Sequence 1 of `currentId` is in flight. */
  private starting = false;
  private inflight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly baseId: string,
    private readonly maxInflight: number,
  ) {
    this.currentId = baseId;
  }

  /** clientId is the id of the current session; it changes when a session is renewed. */
  get clientId(): string {
    return this.currentId;
  }

  /**
   * take waits for its turn and returns the stamp of a new command, or undefined when `deadline`
   * (a performance.now() time) passes or `signal` aborts first. Waiters are served in order.
   */
  take(deadline: number, signal: AbortSignal): Promise<SessionStamp | undefined> {
    if (this.waiters.length === 0 && this.canTake()) return Promise.resolve(this.grant());
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (stamp: SessionStamp | undefined): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abandon);
        resolve(stamp);
      };
      const waiter = (): void => finish(this.grant());
      const abandon = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        finish(undefined);
      };
      const timer = setTimeout(abandon, Math.max(0, deadline - performance.now()));
      signal.addEventListener('abort', abandon, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** settle records what became of the command stamped `stamp`, and lets waiters go. */
  settle(stamp: SessionStamp, fate: CommandFate): void {
    this.inflight--;
    // A stamp of an abandoned session tells nothing about the current one.
    if (stamp.clientId === this.currentId) {
      if (!this.started) {
        // Only sequence 1 runs before the session started.
        this.starting = false;
        if (fate === 'applied') this.started = true;
        else if (fate === 'not-applied') this.lastSequence = 0;
        else this.renew();
      } else if (fate === 'expired') {
        this.renew();
      }
    }
    while (this.waiters.length > 0 && this.canTake()) this.waiters.shift()?.();
  }

  private canTake(): boolean {
    return this.started ? this.inflight < this.maxInflight : !this.starting;
  }

  private grant(): SessionStamp {
    this.inflight++;
    if (!this.started) this.starting = true;
    return { clientId: this.currentId, sequence: ++this.lastSequence };
  }

  private renew(): void {
    this.generation++;
    this.currentId = `${this.baseId}.${this.generation}`;
    this.lastSequence = 0;
    this.started = false;
    this.starting = false;
  }
}
