/** What every route of the local server works with: its settings, clock, state and worker. */
import type { Context, Hono } from 'hono';
import type { PlanLimits, PlanName } from './plans.js';
import type { State } from './state.js';
import type { Worker } from './worker.js';

/** A `fetch`: how the server calls registered tools. */
export type FetchTool = (input: string, init: RequestInit) => Promise<Response>;

export interface ServerContext {
  readonly planName: PlanName;
  readonly plan: PlanLimits;
  readonly apiKeys: ReadonlySet<string>;
  readonly duplicateStatusCode: 200 | 409;
  readonly fetchTool: FetchTool;
  readonly worker: Worker;
  /** The server's clock, in milliseconds since the epoch. */
  now(): number;
  /** Replaced as a whole by `reset()`: read it at each use, do not keep it. */
  state: State;
}

export type Env = {
  Variables: {
    /** The id of this request, sent back in `X-Request-Id`. */
    requestId: string;
    /** The `X-Request-Id` the client sent, which replay recognises; `null` when none. */
    clientRequestId: string | null;
  };
};
export type App = Hono<Env>;
export type Ctx = Context<Env>;
