import { encodeRequest } from '@raftkit/client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { HttpContext } from './http/context.js';
import { createTokenStore } from './security/tokens.js';
import { createFrameHandler, type ClientSocket } from './ws-api.js';

/** A node whose reads wait until released: requests stay in flight as long as a test wants. */
function stalledContext(): { context: HttpContext; release: () => void } {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const operations = {
    read: async () => {
      await released;
      return { value: new Uint8Array([1]), index: 1 };
    },
    leaderInfo: () => undefined,
  };
  const context = { id: 'n1', operations, logger: pino({ level: 'silent' }), maxBodyBytes: 1024, tokens: createTokenStore(undefined) } as unknown as HttpContext;
  return { context, release };
}

function socket(): ClientSocket & { paused: number; resumed: number; sent: number; terminated: boolean } {
  const fake = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    paused: 0,
    resumed: 0,
    sent: 0,
    terminated: false,
    send: () => void fake.sent++,
    close: () => {},
    terminate: () => {
      fake.terminated = true;
      fake.readyState = 3;
    },
    pause: () => void fake.paused++,
    resume: () => void fake.resumed++,
  };
  return fake as unknown as ClientSocket & { paused: number; resumed: number; sent: number; terminated: boolean };
}

const read = (id: number) => encodeRequest({ id, type: 'query', query: { op: 'get', key: 'k' } });

describe('/v1/ws bounds per connection', () => {
  it('stops reading a connection with maxInFlight requests in flight and resumes once answers went out', async () => {
    const { context, release } = stalledContext();
    const ws = socket();
    const onFrame = createFrameHandler(context, ws, { maxInFlight: 4, maxBufferedBytes: 1 << 20 });
    const served = [1, 2, 3].map((id) => onFrame(read(id), true));
    expect(ws.paused).toBe(0);
    served.push(onFrame(read(4), true));
    expect(ws.paused).toBe(1);
    release();
    await Promise.all(served);
    expect([ws.sent, ws.resumed]).toEqual([4, 1]);
  });

  it('cuts off a connection whose unread answers pass maxBufferedBytes instead of queueing more', async () => {
    const { context, release } = stalledContext();
    const ws = socket();
    const onFrame = createFrameHandler(context, ws, { maxInFlight: 64, maxBufferedBytes: 1000 });
    const served = onFrame(read(1), true);
    (ws as { bufferedAmount: number }).bufferedAmount = 1001;
    release();
    await served;
    expect([ws.terminated, ws.sent]).toEqual([true, 0]);
  });
});
