/**
 * The built-in policy templates. The API names five and publishes none of their contents, so
 * the local server defines them; tool lists are filled from the tools the agent can reach, by
 * name (a name's words are split at `_ . : -`):
 *
 * | Template | Tools | Caps |
 * |---|---|---|
 * | `strict` | allows none: name them in `overrides.allowed_tools` | 10 actions/hour, $1/day |
 * | `moderate` | blocks destructive tools | 100 actions/hour, $20/day |
 * | `permissive` | no list | 1000 actions/hour, $200/day |
 * | `read_only` | allows only read tools | 200 actions/hour, $0/day (nothing that costs) |
 * | `support_bot` | blocks destructive tools; 20 calls/day of each messaging tool | 60/h, $10/day |
 *
 * Destructive: a word `delete`, `remove`, `drop`, `destroy`, `purge`, `wipe`, `refund` or
 * `transfer`. Read: the first word `get`, `list`, `read`, `search`, `lookup`, `find`, `fetch` or
 * `view`, also after a namespace ending in `.` or `:` (`crm.lookup`). Messaging: a word `email`,
 * `sms`, `message`, `notify` or `reply`.
 */
import type { Schemas } from './types.js';

type Rules = Schemas['PolicyRules'];
export type TemplateName = Schemas['PolicyTemplate'];

export const TEMPLATE_NAMES: readonly TemplateName[] = [
  'strict',
  'moderate',
  'permissive',
  'read_only',
  'support_bot',
];

const DESTRUCTIVE = new Set([
  'delete',
  'remove',
  'drop',
  'destroy',
  'purge',
  'wipe',
  'refund',
  'transfer',
]);
const READ = new Set(['get', 'list', 'read', 'search', 'lookup', 'find', 'fetch', 'view']);
const MESSAGING = new Set(['email', 'sms', 'message', 'notify', 'reply']);

/** The rules of `template` for an agent that can reach the tools `toolNames`. */
export function templateRules(template: TemplateName, toolNames: readonly string[]): Rules {
  const destructive = toolNames.filter((name) => words(name).some((w) => DESTRUCTIVE.has(w)));
  switch (template) {
    case 'strict':
      return { allowed_tools: [], max_actions_per_hour: 10, max_spend_usd_per_day: 1 };
    case 'moderate':
      return { blocked_tools: destructive, max_actions_per_hour: 100, max_spend_usd_per_day: 20 };
    case 'permissive':
      return { max_actions_per_hour: 1_000, max_spend_usd_per_day: 200 };
    case 'read_only':
      return {
        allowed_tools: toolNames.filter(isReadTool),
        max_actions_per_hour: 200,
        max_spend_usd_per_day: 0,
      };
    case 'support_bot': {
      const messaging = toolNames.filter((name) => words(name).some((w) => MESSAGING.has(w)));
      return {
        blocked_tools: destructive,
        max_actions_per_hour: 60,
        max_spend_usd_per_day: 10,
        max_calls_per_tool: Object.fromEntries(messaging.map((name) => [name, 20])),
      };
    }
  }
}

function words(name: string): string[] {
  return name.toLowerCase().split(/[_.:-]+/);
}

function isReadTool(name: string): boolean {
  const namespace = name.search(/[.:]/);
  const unqualified = namespace === -1 ? name : name.slice(namespace + 1);
  return READ.has(words(name)[0] ?? '') || READ.has(words(unqualified)[0] ?? '');
}
