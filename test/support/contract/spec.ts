// What the contract checks need to know about the spec, read from the YAML itself: every
// operation with its method, path and `operationId`, the statuses it may answer with the name of
// each status's body schema, and the named examples of requests and responses.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Node = { [key: string]: unknown };

export interface SpecResponse {
  /** The `components/schemas` name of the JSON body, when the body is a `$ref` to one. */
  schemaName: string | undefined;
  /** The named examples of the JSON body: name → value. */
  examples: Record<string, unknown>;
}

export interface SpecOperation {
  operationId: string;
  /** Upper case, as sent: `GET`, `POST`, `DELETE`. */
  method: string;
  /** The path template, e.g. `/v1/tools/{name}`. */
  route: string;
  /** Every status the spec allows, e.g. `200`, `404`, with its body. */
  responses: Map<string, SpecResponse>;
  /** The named examples of the request body: name → value. */
  requestExamples: Record<string, unknown>;
}

export interface SpecIndex {
  path: string;
  operations: SpecOperation[];
  byId(operationId: string): SpecOperation;
  /**
   * The operation a request goes to. A literal segment wins over a parameter, as servers route
   * (`/v1/usage/all` is not `/v1/usage/{x}`).
   */
  match(method: string, pathname: string): SpecOperation | undefined;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const cache = new Map<string, SpecIndex>();

/** Reads the spec at `specPath` (cached per path). */
export function loadSpec(specPath: string): SpecIndex {
  const cached = cache.get(specPath);
  if (cached) return cached;

  const spec = parse(readFileSync(specPath, 'utf8')) as Node;
  const resolve = (node: unknown): Node => resolveRef(spec, node);
  const operations: SpecOperation[] = [];

  for (const [route, rawItem] of Object.entries(resolve(spec.paths))) {
    const item = resolve(rawItem);
    for (const method of METHODS) {
      if (!item[method]) continue;
      const operation = resolve(item[method]);
      if (typeof operation.operationId !== 'string') {
        throw new Error(`spec: ${method.toUpperCase()} ${route} has no operationId`);
      }

      const responses = new Map<string, SpecResponse>();
      for (const [status, response] of Object.entries(resolve(operation.responses ?? {}))) {
        responses.set(status, jsonBody(spec, resolve(response)));
      }
      const requestBody = operation.requestBody ? resolve(operation.requestBody) : undefined;

      operations.push({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        route,
        responses,
        requestExamples: requestBody ? jsonBody(spec, requestBody).examples : {},
      });
    }
  }

  const matchers = operations
    .map((operation) => ({ operation, ...routeMatcher(operation.route) }))
    .sort((a, b) => b.literals - a.literals);

  const index: SpecIndex = {
    path: specPath,
    operations,
    byId(operationId) {
      const found = operations.find((operation) => operation.operationId === operationId);
      if (!found) throw new Error(`spec ${specPath}: no operation ${operationId}`);
      return found;
    },
    match(method, pathname) {
      const upper = method.toUpperCase();
      return matchers.find((m) => m.operation.method === upper && m.pattern.test(pathname))
        ?.operation;
    },
  };
  cache.set(specPath, index);
  return index;
}

/** The schema name and the named examples of a request body or response's JSON content. */
function jsonBody(spec: Node, holder: Node): SpecResponse {
  const content = holder.content as Node | undefined;
  const json = content?.['application/json'] as Node | undefined;
  if (!json) return { schemaName: undefined, examples: {} };

  const schema = json.schema as Node | undefined;
  const ref = typeof schema?.$ref === 'string' ? schema.$ref : undefined;
  const schemaName = ref?.startsWith('#/components/schemas/')
    ? ref.slice('#/components/schemas/'.length)
    : undefined;

  const examples: Record<string, unknown> = {};
  for (const [name, example] of Object.entries((json.examples as Node | undefined) ?? {})) {
    examples[name] = resolveRef(spec, example).value;
  }
  return { schemaName, examples };
}

function routeMatcher(route: string): { pattern: RegExp; literals: number } {
  const segments = route.split('/').filter(Boolean);
  const literals = segments.filter((segment) => !segment.startsWith('{')).length;
  const source = segments
    .map((segment) => (segment.startsWith('{') ? '[^/]+' : escapeRegExp(segment)))
    .join('/');
  return { pattern: new RegExp(`^/${source}$`), literals };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Follows local `$ref`s until `node` is not a reference. */
function resolveRef(spec: Node, node: unknown): Node {
  let current = node;
  while (isNode(current) && typeof current.$ref === 'string') {
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`spec: only local $refs are supported, got ${ref}`);
    let target: unknown = spec;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      target = isNode(target) ? target[key] : undefined;
    }
    if (target === undefined) throw new Error(`spec: nothing at ${ref}`);
    current = target;
  }
  if (!isNode(current)) throw new Error('spec: expected an object');
  return current;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
