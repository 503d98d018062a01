/**
 * The status page for people (`GET /`) and its data (`GET /v1/cluster`: the whole cluster from
 * this node; `?scope=node`: this node's own view, which the others ask for).
 */
import type { IncomingMessage } from 'node:http';
import { renderStatusPage } from '../status-page/page.js';
import { readBody } from './body.js';
import type { HttpContext } from './context.js';
import { json, type HttpResponse } from './response.js';

/** page is the HTML page; it fetches `/v1/cluster` every second. */
export async function page(context: HttpContext, request: IncomingMessage): Promise<HttpResponse> {
  await readBody(request, context.maxBodyBytes);
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: renderStatusPage(context.id) };
}

/** cluster is the page's data. */
export async function cluster(context: HttpContext, request: IncomingMessage, _params: Readonly<Record<string, string>>, query: URLSearchParams): Promise<HttpResponse> {
  await readBody(request, context.maxBodyBytes);
  const view = query.get('scope') === 'node' ? context.statusPage.nodeView() : await context.statusPage.clusterView();
  return json(200, view, { 'cache-control': 'no-store' });
}
