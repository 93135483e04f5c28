/**
 * `onceonly-sdk/testing`: a stateful local OnceOnly server, for developing and testing without
 * the network. Web APIs only, so it runs wherever the SDK runs.
 *
 * @example
 * const local = createLocalServer({ plan: 'free', now: () => clock });
 * const client = new OnceOnly({
 *   apiKey: 'once_live_local',
 *   baseUrl: 'http://local',
 *   fetch: local.fetch,
 * });
 */
export type { FetchTool } from './context.js';
export { MIN_TTL_SEC, PLANS, type PlanLimits, type PlanName } from './plans.js';
export {
  createLocalServer,
  DEFAULT_API_KEY,
  type LocalServer,
  type LocalServerOptions,
} from './server.js';
export { TEMPLATE_NAMES, type TemplateName, templateRules } from './templates.js';
