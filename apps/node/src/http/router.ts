/**
 * A small router: routes are a method and a path pattern (`/v1/kv/:key`); parameters are single
 * path segments, percent-decoded. Matching works on the raw path, so an encoded `/` (`%2F`)
 * stays inside its segment. HEAD matches every GET route (RFC 9110 §9.3.2: GET without the body;
 * Node's ServerResponse leaves the body of an answer to HEAD out).
 */
import { OperationError } from '../operation-error.js';

/** RouteMatch is the route found and its decoded parameters. */
export interface RouteMatch<Handler> {
  readonly handler: Handler;
  readonly params: Readonly<Record<string, string>>;
  /** The pattern, for metrics labels. */
  readonly pattern: string;
  /** The route's method: GET for a HEAD request (what authorization goes by). */
  readonly method: string;
}

interface Route<Handler> {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: Handler;
}

/** Router maps (method, path) to a handler. */
export class Router<Handler> {
  private readonly routes: Route<Handler>[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').slice(1), handler });
    return this;
  }

  /**
   * match finds the route for `method` and the raw (still encoded) `path`; undefined when none
   * fits. Throws BAD_REQUEST for a parameter that is not valid percent-encoding.
   */
  match(method: string, path: string): RouteMatch<Handler> | undefined {
    const segments = path.split('/').slice(1);
    const wanted = method === 'HEAD' ? 'GET' : method;
    for (const route of this.routes) {
      if (route.method !== wanted || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let position = 0; position < segments.length && matched; position++) {
        const expected = route.segments[position]!;
        const actual = segments[position]!;
        if (expected.startsWith(':')) params[expected.slice(1)] = decodeSegment(actual);
        else matched = expected === actual;
      }
      if (matched) return { handler: route.handler, params, pattern: route.pattern, method: route.method };
    }
    return undefined;
  }

  /** methodsFor lists the methods of the routes whose pattern fits the raw `path` (HEAD with GET). */
  methodsFor(path: string): string[] {
    const segments = path.split('/').slice(1);
    const methods = new Set<string>();
    for (const route of this.routes) {
      if (route.segments.length !== segments.length) continue;
      if (route.segments.every((expected, position) => expected.startsWith(':') || expected === segments[position])) methods.add(route.method);
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new OperationError('BAD_REQUEST', `malformed percent-encoding in ${JSON.stringify(segment)}`);
  }
}
