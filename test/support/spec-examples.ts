// Reads named examples out of the OpenAPI spec, so that tests compare what a server sends with
// what the spec promises instead of with a copy that could drift from it.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Follows local `$ref`s (`#/components/...`) until `node` is not a reference. */
function deref(spec: Json, node: Json | undefined, where: string): Json {
  let current = node;
  while (isObject(current) && typeof current.$ref === 'string') {
    current = pointer(spec, current.$ref);
  }
  if (current === undefined) throw new Error(`spec has nothing at ${where}`);
  return current;
}

/** Resolves a local JSON pointer such as `#/components/responses/Conflict`. */
function pointer(spec: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);

  let current: Json | undefined = spec;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    current = isObject(current) ? current[key] : undefined;
  }
  return current;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Steps into `node[key]`, resolving references, with a readable error when it is missing. */
function child(spec: Json, node: Json, key: string, where: string): Json {
  const value = isObject(node) ? node[key] : undefined;
  return deref(spec, value, `${where}/${key}`);
}

/**
 * The `value` of the named example of a JSON response in the spec at `specPath`, e.g.
 * `responseExample(spec, '/v1/check-lock', 'post', '200', 'locked')`.
 */
export function responseExample(
  specPath: string,
  route: string,
  method: string,
  status: string,
  name: string,
): Json {
  const spec = parse(readFileSync(specPath, 'utf8')) as Json;
  const where = `${route} ${method} ${status} example ${name}`;

  let node = child(spec, spec, 'paths', where);
  for (const key of [route, method, 'responses', status, 'content', 'application/json']) {
    node = child(spec, node, key, where);
  }
  const example = child(spec, child(spec, node, 'examples', where), name, where);

  return child(spec, example, 'value', where);
}
