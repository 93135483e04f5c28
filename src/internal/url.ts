import { InvalidInputError } from '../errors.js';

export const DEFAULT_BASE_URL = 'https://api.onceonly.tech/v1';

/**
 * The server's root, to which the spec's `/v1/...` paths are appended. Accepts the base URL
 * with or without `/v1` and trailing slashes: `http://localhost:8080`,
 * `http://localhost:8080/v1/` and `https://host/prefix/v1` all work.
 */
export function serverRoot(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new InvalidInputError('baseUrl', `must be an absolute http(s) URL (got ${baseUrl})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError('baseUrl', `must start with http:// or https:// (got ${baseUrl})`);
  }
  if (url.search || url.hash) {
    throw new InvalidInputError('baseUrl', 'must not have a query or a fragment');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}

export type PathParams = Record<string, string>;
export type QueryParams = Record<string, string | number | boolean | undefined>;

/**
 * The request URL for a path template of the spec (`/v1/tools/{name}`): each path parameter
 * encoded as exactly one segment, query values that are `undefined` left out. Parameters of
 * `.` and `..` are refused earlier (see `checkPathSegment`): URL parsing resolves them away,
 * even percent-encoded.
 */
export function requestUrl(
  root: string,
  template: string,
  pathParams: PathParams = {},
  query: QueryParams = {},
): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = pathParams[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name}`);
    return encodeURIComponent(value);
  });

  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) search.append(name, String(value));
  }
  const queryString = search.toString();
  return queryString ? `${root}${path}?${queryString}` : `${root}${path}`;
}
