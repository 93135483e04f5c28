// The ESM entries of the installed package, as `import` in Node loads them: a check-lock
// claims a key and the second one on it is a duplicate, and a missing API key is refused with
// an error that is an `InvalidInputError` and an `OnceOnlyError`.

import { describe, it } from 'vitest';
import { expectEntryOutcome, printedJson, runInProject } from './support.js';

describe('the package from ESM', () => {
  it('imports onceonly-sdk and onceonly-sdk/testing, locks, then sees a duplicate', async () => {
    const finished = await runInProject(process.execPath, ['esm.mjs']);
    expectEntryOutcome(printedJson(finished), 'package:esm');
  });
});
