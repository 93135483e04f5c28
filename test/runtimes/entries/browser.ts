// A web page: the bundle defines `runSmoke(input)`, which the test calls through Playwright.

import * as sdk from 'onceonly-sdk';
import { runScenario, type ScenarioInput } from '../scenario.js';

(globalThis as { runSmoke?: unknown }).runSmoke = (input: ScenarioInput) => runScenario(sdk, input);
