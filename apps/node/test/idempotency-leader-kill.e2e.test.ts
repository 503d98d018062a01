/**
 * An `Idempotency-Key` write retried across a SIGKILL of the leader is applied once, against real
 * processes. The write is `POST /v1/kv/counter-N/cas {"expect":"0","value":"1"}`: its effect is
 * visible in the store, so once it is known to have applied the test sets the counter back to "0"
 * (a plain PUT) and retries it; applied again, it would turn the "0" into "1", while the first
 * answer replayed leaves the "0" alone. Each round kills the leader at another moment, searching
 * for the window where the write is on a follower but its answer is lost with the leader.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, putRetrying, TestCluster, waitFor, type Answer, type NodeProcess } from './support/cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

const CAS_BODY = JSON.stringify({ expect: '0', value: '1' });

/** cas sends the keyed CAS of one round; undefined when no answer came (the node died under it). */
async function cas(node: NodeProcess, round: number, idempotencyKey: string): Promise<Answer | undefined> {
  try {
    return await call(node, 'POST', `/v1/kv/counter-${round}/cas`, { body: CAS_BODY, headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, timeoutMs: 10_000 });
  } catch {
    return undefined;
  }
}

/** retryUntilOk sends the same keyed CAS through the nodes in turn until one answers 200. */
async function retryUntilOk(nodes: readonly NodeProcess[], round: number, idempotencyKey: string): Promise<Answer> {
  let attempt = 0;
  return waitFor(`the retried CAS of round ${round} to be answered 200`, async () => {
    const answer = await cas(nodes[attempt++ % nodes.length]!, round, idempotencyKey);
    if (answer === undefined || answer.status === 503 || answer.status === 504) return undefined;
    // 409 or 422 here would mean the retry was not recognised as the same request.
    expect({ status: answer.status, body: answer.json }).toEqual({ status: 200, body: { ok: true, index: expect.any(Number) } });
    return answer;
  }, 30_000);
}

/** counter reads counter-N with a linearizable GET, retried while the cluster elects. */
async function counter(nodes: readonly NodeProcess[], round: number): Promise<string> {
  let attempt = 0;
  return waitFor(`a linearizable read of counter-${round}`, async () => {
    const answer = await call(nodes[attempt++ % nodes.length]!, 'GET', `/v1/kv/counter-${round}`).catch(() => undefined);
    if (answer === undefined || answer.status === 503 || answer.status === 504) return undefined;
    expect(answer.status).toBe(200);
    return answer.text;
  });
}

/** Outcome is what one round's first attempt did, as far as the client could tell afterwards. */
type Outcome = 'answered' | 'lost-applied' | 'lost-not-applied';

describe('Idempotency-Key across a SIGKILL of the leader', () => {
  it('a keyed CAS retried through another node after the leader died is applied exactly once', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const nodes = cluster.nodes;

    // How long the keyed CAS takes on the leader, to aim the kills inside it.
    const { leader: first } = await cluster.waitForLeader();
    const latencies: number[] = [];
    for (let n = 0; n < 10; n++) {
      await putRetrying(first, `counter-warm-${n}`, '0');
      const started = performance.now();
      expect((await call(first, 'POST', `/v1/kv/counter-warm-${n}/cas`, { body: CAS_BODY, headers: { 'content-type': 'application/json', 'idempotency-key': `warm-${n}` } })).status).toBe(200);
      latencies.push(performance.now() - started);
    }
    const latencyMs = latencies.sort((a, b) => a - b)[5]!;

    // Round 0 kills after the answer; later rounds bisect the delay: an answer means the kill
    // came too late, a write that never applied means too early.
    let early = 0;
    let late = latencyMs * 1.5;
    const outcomes: { delayMs: number | 'after-answer'; outcome: Outcome }[] = [];
    for (let round = 0; round < 8; round++) {
      if (round >= 4 && outcomes.some((entry) => entry.outcome === 'lost-applied')) break;
      const { leader } = await cluster.waitForLeader(nodes);
      const survivors = nodes.filter((node) => node !== leader);
      await putRetrying(leader, `counter-${round}`, '0');
      const idempotencyKey = `round-${round}`;

      const delayMs = round === 0 ? 'after-answer' : (early + late) / 2;
      const sent = cas(leader, round, idempotencyKey);
      if (delayMs === 'after-answer') await sent;
      else await new Promise((resolve) => setTimeout(resolve, delayMs));
      await leader.kill('SIGKILL');
      const firstAnswer = await sent;
      if (firstAnswer !== undefined) expect({ status: firstAnswer.status, body: firstAnswer.json }).toEqual({ status: 200, body: { ok: true, index: expect.any(Number) } });

      // The survivors elect a leader, which settles whether the first attempt applied.
      await cluster.waitForLeader(survivors);
      const applied = (await counter(survivors, round)) === '1';
      if (firstAnswer !== undefined) expect(applied).toBe(true);
      const outcome: Outcome = firstAnswer !== undefined ? 'answered' : applied ? 'lost-applied' : 'lost-not-applied';
      outcomes.push({ delayMs, outcome });
      if (typeof delayMs === 'number') {
        if (outcome === 'answered') late = delayMs;
        if (outcome === 'lost-not-applied') early = delayMs;
      }

      // Applied already: set the counter back, so a second application would show as "1".
      if (applied) await putRetrying(survivors[0]!, `counter-${round}`, '0');
      const retried = await retryUntilOk(survivors, round, idempotencyKey);
      if (firstAnswer !== undefined) expect(retried.json).toEqual(firstAnswer.json);
      expect({ round, outcome, counter: await counter(survivors, round) }).toEqual({ round, outcome, counter: applied ? '0' : '1' });

      // Once more, now that it surely applied: the same first answer, and nothing changes.
      await putRetrying(survivors[1]!, `counter-${round}`, '0');
      const again = await retryUntilOk([...survivors].reverse(), round, idempotencyKey);
      expect(again.json).toEqual(retried.json);
      expect(await counter(survivors, round)).toBe('0');

      await leader.start();
    }
    expect(outcomes[0]).toEqual({ delayMs: 'after-answer', outcome: 'answered' });
    // Which cases the kills hit, for the log of a run (the timing decides, not the test).
    console.info(`idempotency across a leader kill: CAS latency ${latencyMs.toFixed(1)} ms, outcomes ${JSON.stringify(outcomes)}`);
  });
});
