/**
 * ReadWaiters tracks linearizable reads between the core's answer (a read index) and the moment
 * the state machine has applied up to that index, when the read may be answered.
 */
import type { Clock } from './interfaces.js';
import { ReadTimeoutError } from './errors.js';

interface Waiter {
  readonly answer: () => void;
  readonly reject: (error: unknown) => void;
  readonly cancelTimeout: () => void;
  /** Set once the read index is known. */
  index: number | undefined;
  /** The read index request this read rides on: its own context, or the one its turn's reads share. */
  request: string;
}

export class ReadWaiters {
  private readonly byContext = new Map<string, Waiter>();
  private sequence = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly prefix: string,
  ) {}

  /** add registers a read; `answer` runs once it may be served. Returns its context id. */
  add(answer: () => void, reject: (error: unknown) => void): string {
    const context = `${this.prefix}:${++this.sequence}`;
    const cancelTimeout = this.clock.setTimeout(() => {
      if (this.byContext.delete(context)) reject(new ReadTimeoutError(this.timeoutMs));
    }, this.timeoutMs);
    this.byContext.set(context, { answer, reject, cancelTimeout, index: undefined, request: context });
    return context;
  }

  /**
   * share puts the reads `contexts` on one read index request, named `request`: its answer
   * (`ready` or `fail` with that name) answers them all.
   */
  share(request: string, contexts: readonly string[]): void {
    for (const context of contexts) {
      const waiter = this.byContext.get(context);
      if (waiter !== undefined) waiter.request = request;
    }
  }

  /** ready records the read index of `request`; answers its reads at once if already applied. */
  ready(request: string, index: number, appliedIndex: number): void {
    for (const [context, waiter] of this.byContext) {
      if (waiter.request !== request) continue;
      waiter.index = index;
      if (index <= appliedIndex) this.settle(context, waiter);
    }
  }

  /** applied answers every read whose index is now applied. */
  applied(appliedIndex: number): void {
    for (const [context, waiter] of this.byContext) {
      if (waiter.index !== undefined && waiter.index <= appliedIndex) this.settle(context, waiter);
    }
  }

  /** fail rejects every read of `request`. */
  fail(request: string, error: unknown): void {
    for (const [context, waiter] of [...this.byContext]) {
      if (waiter.request === request) this.reject(context, waiter, error);
    }
  }

  /** failAll rejects every read (the node is stopping). */
  failAll(error: () => unknown): void {
    for (const [context, waiter] of [...this.byContext]) this.reject(context, waiter, error());
  }

  private reject(context: string, waiter: Waiter, error: unknown): void {
    this.byContext.delete(context);
    waiter.cancelTimeout();
    waiter.reject(error);
  }

  private settle(context: string, waiter: Waiter): void {
    this.byContext.delete(context);
    waiter.cancelTimeout();
    waiter.answer();
  }
}
