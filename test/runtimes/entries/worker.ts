// A Workers-style module: `GET /?input=<JSON ScenarioInput>` runs the scenario and answers the
// outcome as JSON, or 500 with the error's name and message.

import * as sdk from 'onceonly-sdk';
import { runScenario, type ScenarioInput } from '../scenario.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const input = JSON.parse(new URL(request.url).searchParams.get('input') ?? '{}');
    try {
      return Response.json(await runScenario(sdk, input as ScenarioInput));
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return Response.json({ error: `${name}: ${message}` }, { status: 500 });
    }
  },
};
