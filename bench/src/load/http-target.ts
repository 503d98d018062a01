/**
 * HttpTarget sends requests to one node's HTTP API over keep-alive connections (node:http with an
 * Agent, at most `connections` sockets), so a load run measures requests, not TCP handshakes.
 */
import { Agent, request } from 'node:http';
import { HttpStatusError } from './error-kind.js';

/** HttpAnswer is a complete HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/** HttpTarget is a keep-alive connection pool to one `host:port`. */
export interface HttpTarget {
  /** request sends one request and resolves with the whole answer (any status). */
  request(method: string, path: string, body?: Uint8Array): Promise<HttpAnswer>;
  /** close destroys the pooled sockets. */
  close(): void;
}

/** HttpTargetOptions shape createHttpTarget. */
export interface HttpTargetOptions {
  /** Most sockets open at once; give one per concurrent worker. */
  readonly connections: number;
  /** An answer not complete by then fails the request. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** The content-type of request bodies. Default `application/octet-stream`. */
  readonly contentType?: string;
}

/** createHttpTarget returns a pool of keep-alive connections to `address` (`host:port`). */
export function createHttpTarget(address: string, options: HttpTargetOptions): HttpTarget {
  const [host, port] = splitAddress(address);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const contentType = options.contentType ?? 'application/octet-stream';
  return {
    request(method, path, body) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': contentType, 'content-length': body.byteLength };
        const outgoing = request({ host, port, method, path, agent, headers, timeout: timeoutMs }, (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks) }));
          incoming.on('error', reject);
        });
        outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'HTTP_TIMEOUT' })));
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/**
 * expectStatus returns `answer` if its status is one of `expected`, and throws an HttpStatusError
 * naming the node's error code otherwise.
 */
export function expectStatus(answer: HttpAnswer, ...expected: number[]): HttpAnswer {
  if (expected.includes(answer.status)) return answer;
  let code: string | undefined;
  try {
    code = (JSON.parse(answer.body.toString('utf8')) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  throw new HttpStatusError(answer.status, code);
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) throw new TypeError(`not host:port: ${address}`);
  return [address.slice(0, colon), port];
}
