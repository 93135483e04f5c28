// check-lock on a server that keeps state: the first claim of a key is `locked`, the next one
// within its TTL a duplicate (200 `duplicate`, or 409 on a server in 409 mode).

import { afterAll, describe, expect, it } from 'vitest';
import { serverKit, succeeded } from '../../support/contract/server-kit.js';

const kit = serverKit('lock');
const { session } = kit;
const { client } = session;

afterAll(() => kit.cleanUp());

describe('check-lock', () => {
  it('claims a key once; a second claim within the TTL is a duplicate', async () => {
    const key = kit.name('twice');

    const first = succeeded(
      await session.check('checkLock', (o) =>
        client.checkLock({ key, ttl: 60, metadata: { purpose: 'contract test' } }, o),
      ),
    );
    expect(first).toMatchObject({ locked: true, duplicate: false, key, first_seen_at: null });
    expect(first.ttl).toBeGreaterThanOrEqual(10);

    const second = succeeded(
      await session.check('checkLock', (o) => client.checkLock({ key, ttl: 60 }, o)),
    );
    expect(second.status, 'the second claim of the key within its TTL').toBe('duplicate');
    expect(second).toMatchObject({ locked: false, duplicate: true, key });
    expect(second.ambiguousDuplicate).toBe(false);
    expect(typeof second.first_seen_at).toBe('string');
  });

  it('keys are independent: another key is claimed anew', async () => {
    const result = succeeded(
      await session.check('checkLock', (o) => client.checkLock({ key: kit.name('other') }, o)),
    );

    expect(result.locked).toBe(true);
  });
});
