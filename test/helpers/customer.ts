import { CustomerSession } from '../../src/identity/customer-session.entity';
import { newToken, sha256 } from '../../src/identity/secrets';
import { NewSubscriber, SubscribersService } from '../../src/subscribers/subscribers.service';
import { TestApp } from './app';

/** A subscriber with a signed-in customer session (as if they had entered the code sent to their phone). */
export async function signedInCustomer(t: TestApp, input: NewSubscriber) {
  const sub = await t.get<SubscribersService>(SubscribersService).upsert(input);
  const token = newToken('customer');
  await t.db.getRepository(CustomerSession).insert({
    subscriberId: sub.id,
    tokenHash: sha256(token),
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return { id: sub.id, msisdn: sub.msisdn, token };
}

/** Polls until `check` returns a truthy value (work done by a BullMQ worker), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
