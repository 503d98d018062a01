/**
 * Probes for orchestrators and load balancers, always answered locally and never forwarded:
 * `GET /livez` (the process and its event loop are alive; restart it when this fails) and
 * `GET /readyz` (send this node traffic; 503 with the reason when not). Both stay open to
 * anyone once API tokens exist: a probe carries no credentials.
 */
import type { IncomingMessage } from 'node:http';
import { DEFAULT_MAX_LAG } from '../health/readiness.js';
import { readBody } from './body.js';
import type { HttpContext } from './context.js';
import { json, type HttpResponse } from './response.js';

/** ProbeRouteHandler is one probe route. */
export type ProbeRouteHandler = (context: HttpContext, request: IncomingMessage, params: Readonly<Record<string, string>>, query: URLSearchParams) => Promise<HttpResponse>;

/** An event loop whose 500 ms timer is this late is stuck, not merely busy. */
const STUCK_LOOP_MS = 10_000;

/** livez: 200 while the event loop runs its timers on time. */
export const livez: ProbeRouteHandler = async (context, request) => {
  await readBody(request, context.maxBodyBytes);
  const staleMs = Math.round(context.eventLoopStaleMs());
  if (staleMs > STUCK_LOOP_MS) return json(503, { live: false, reason: 'EVENT_LOOP_STALLED', message: `the event loop's timer ran ${staleMs} ms ago` });
  return json(200, { live: true });
};

/** readyz: 200 when ready; 503 + Retry-After with `reason` otherwise. `?max-lag=N` sets the apply bound. */
export const readyz: ProbeRouteHandler = async (context, request, _params, query) => {
  await readBody(request, context.maxBodyBytes);
  const text = query.get('max-lag');
  const maxLag = text !== null && /^\d+$/.test(text) ? Number(text) : DEFAULT_MAX_LAG;
  const readiness = context.readiness(maxLag);
  return readiness.ready ? json(200, readiness) : json(503, readiness, { 'retry-after': '1' });
};
