/** A router of a few fixed routes: a method, and a path whose `:name` parts match one path segment each. */

/** Handles one request, given whatever context the app builds for it. */
export type Handler<C> = (context: C) => Promise<void>;

interface Route<C> {
  method: string;
  parts: string[];
  handler: Handler<C>;
}

/** The outcome of matching a request: a handler with its params, a path known under other methods, or nothing. */
export type Match<C> =
  | { kind: 'found'; handler: Handler<C>; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'not-found' };

export class Router<C> {
  private readonly routes: Route<C>[] = [];

  get(path: string, handler: Handler<C>): this {
    return this.add('GET', path, handler);
  }

  post(path: string, handler: Handler<C>): this {
    return this.add('POST', path, handler);
  }

  match(method: string, pathname: string): Match<C> {
    const segments = pathname.split('/').slice(1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (params === undefined) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'found', handler: route.handler, params };
      }
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'not-found' };
  }

  private add(method: string, path: string, handler: Handler<C>): this {
    this.routes.push({ method, parts: path.split('/').slice(1), handler });
    return this;
  }
}

function matchParts(parts: string[], segments: string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index]!;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}
