/**
 * A small JSON-over-HTTP client for talking to other nodes' HTTP APIs: `--join` and the admin
 * commands (`raftkit status`, `members`, `leader`).
 */

/** HttpAnswer is a status and the parsed JSON body (or the text, when it is not JSON). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * baseUrl turns `host:port` (or a URL) into `http://host:port`. A peer address given as a
 * WebSocket URL keeps its security: `ws://h:p/path` becomes `http://h:p`, `wss://` `https://`.
 */
export function baseUrl(address: string): string {
  const socket = /^(wss?):\/\/([^/]+)/i.exec(address);
  if (socket !== null) return `${socket[1]!.toLowerCase() === 'wss' ? 'https' : 'http'}://${socket[2]}`;
  return /^https?:\/\//.test(address) ? address.replace(/\/+$/, '') : `http://${address}`;
}

/**
 * requestJson sends a request with an optional JSON body and reads the answer; `token` goes in
 * `Authorization: Bearer`. Throws on network errors. (An https:// node with a private CA is
 * trusted through NODE_EXTRA_CA_CERTS.)
 */
export async function requestJson(method: string, url: string, body?: unknown, timeoutMs = 30_000, token?: string): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (the status page, metrics): keep the text.
  }
  return { status: response.status, body: parsed };
}
