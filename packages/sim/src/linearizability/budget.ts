/** BudgetExhaustion says why a check gave up: too many model steps, or past its deadline. */
export type BudgetExhaustion = 'step-budget' | 'timeout';

/** The clock is read once per this many steps: reading it every step would dominate the search. */
const CLOCK_CHECK_INTERVAL = 1024;

/**
 * Budget bounds the work of one check. Wing–Gong search is exponential in the worst case, so a
 * check MUST be able to stop and answer "unknown" rather than hang a test run. The step limit is
 * deterministic (the same history always stops at the same place); the deadline is not, and is
 * only for interactive use.
 */
export class Budget {
  steps = 0;
  exhausted: BudgetExhaustion | null = null;

  constructor(
    private readonly maxSteps: number,
    private readonly deadline: number,
    private readonly now: () => number,
  ) {}

  /** spend counts one model step and answers false once the budget is gone. */
  spend(): boolean {
    if (this.exhausted !== null) return false;
    if (this.steps >= this.maxSteps) {
      this.exhausted = 'step-budget';
      return false;
    }
    this.steps++;
    if (this.steps % CLOCK_CHECK_INTERVAL === 0 && this.now() > this.deadline) {
      this.exhausted = 'timeout';
      return false;
    }
    return true;
  }
}
