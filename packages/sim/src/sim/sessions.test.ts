/**
 * Client sessions with retries across leader kills (session-scenario.ts): new leaders are crashed
 * or cut off within 20 ms of their election, so proposals often end with an unknown outcome, and
 * clients retry the same (clientId, sequence) on another node. Every command must reach the inner
 * state machine exactly once across the cluster's applied logs, every replica must make the same
 * decision at every index, and the history must be linearizable. About half the seeds snapshot
 * (so retries meet a session table restored from a snapshot) and crashed nodes restart from storage.
 */
import { describe, expect, it } from 'vitest';
import { runSessionScenario, type SessionStats } from './session-scenario.js';
import { SimulationViolation } from './violation.js';

const SEEDS = 60;
const CHUNK = 30;

describe('sessions with retries across leader kills', () => {
  const totals: SessionStats = { answered: 0, duplicateAnswers: 0, retriedUnknown: 0, givenUp: 0, duplicateEntries: 0 };
  // What the seeds went through besides leader kills: the session table must survive these too.
  const coverage = { snapshotting: 0, snapshotInstalls: 0, restarts: 0 };

  for (let start = 0; start < SEEDS; start += CHUNK) {
    it(`seeds ${start}–${start + CHUNK - 1}: every retried command is applied exactly once and the history is linearizable`, async () => {
      const failures: string[] = [];
      for (let seed = start; seed < start + CHUNK; seed++) {
        try {
          const { sessions, runtime, snapshotChunks, faults } = await runSessionScenario(seed);
          for (const key of Object.keys(totals) as (keyof SessionStats)[]) totals[key] += sessions[key];
          if (runtime.snapshot !== undefined) coverage.snapshotting++;
          if (snapshotChunks > 0) coverage.snapshotInstalls++;
          coverage.restarts += faults?.restarts ?? 0;
        } catch (error) {
          if (!(error instanceof SimulationViolation)) throw error;
          failures.push(error.message);
        }
      }
      expect(failures).toEqual([]);
    }, 300_000);
  }

  it('retries after unknown outcomes happened, and the wrapper answered many of them from the stored answer', () => {
    console.log(`sessions: ${JSON.stringify(totals)}`);
    expect(totals.answered).toBeGreaterThanOrEqual(SEEDS * 20);
    expect(totals.retriedUnknown).toBeGreaterThanOrEqual(SEEDS * 3);
    // A retry of a command that had committed: the log holds it twice, the second answered
    // without applying; some of those answers reached the client.
    expect(totals.duplicateEntries).toBeGreaterThanOrEqual(SEEDS);
    expect(totals.duplicateAnswers).toBeGreaterThanOrEqual(SEEDS / 2);
  });

  it('the seeds also took snapshots, installed them on lagging nodes and restarted crashed nodes (sessions restored from both)', () => {
    console.log(`sessions coverage: ${JSON.stringify(coverage)}`);
    // runtimeVariant turns snapshots on for about half the seeds.
    expect(coverage.snapshotting).toBeGreaterThanOrEqual(SEEDS / 4);
    expect(coverage.snapshotInstalls).toBeGreaterThanOrEqual(SEEDS / 10);
    expect(coverage.restarts).toBeGreaterThanOrEqual(SEEDS);
  });

  it('a state machine that does not deduplicate retries is caught applying a command twice (Exactly Once)', async () => {
    let found: SimulationViolation | undefined;
    for (let seed = 0; seed < 10 && found === undefined; seed++) {
      try {
        await runSessionScenario(seed, { deduplicate: false });
      } catch (error) {
        if (!(error instanceof SimulationViolation)) throw error;
        found = error;
      }
    }
    expect(found, 'no seed caught the missing deduplication').toBeDefined();
    expect(found!.invariant).toBe('Exactly Once');
    expect(found!.detail).toMatch(/^c\d#\d+ reached the inner state machine at indexes \d+ and \d+$/);
    await expect(runSessionScenario(found!.seed)).resolves.toMatchObject({ seed: found!.seed });
  }, 60_000);
});
