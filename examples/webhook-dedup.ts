// Webhook deduplication: providers deliver the same event more than once; the side effect must
// happen once. The event id is the idempotency key.
//
//   npm run demo -- examples/webhook-dedup.ts
//
// or against any server, e.g. the local one (`npm run local -- --port 8080`):
//
//   ONCEONLY_BASE_URL=http://127.0.0.1:8080 ONCEONLY_API_KEY=once_live_local \
//     npx tsx examples/webhook-dedup.ts

import { OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly();

interface PaymentEvent {
  id: string;
  invoice: string;
  amount_usd: number;
}

async function handleDelivery(event: PaymentEvent): Promise<string> {
  const lock = await client.checkLock({
    key: `stripe:${event.id}`,
    ttl: 7 * 24 * 3600, // providers retry for days
    metadata: { invoice: event.invoice },
  });

  if (lock.ambiguousDuplicate) {
    // A retry of ours may have claimed the key: check our own records before skipping.
    return `event ${event.id}: duplicate after a retry; checking the ledger before skipping`;
  }
  if (lock.duplicate) return `event ${event.id}: already handled at ${lock.first_seen_at}; skipped`;

  // The side effect, done once.
  return `event ${event.id}: charged ${event.amount_usd} USD for ${event.invoice}`;
}

const event = { id: 'evt_1PXa', invoice: 'INV-123', amount_usd: 49 };
console.log(await handleDelivery(event));
console.log(await handleDelivery(event)); // the provider's retry
