import { CustomerSession } from '../../src/identity/customer-session.entity';
import { newToken, sha256 } from '../../src/identity/secrets';
import { NewSubscriber, SubscribersService } from '../../src/subscribers/subscribers.service';
import { TestApp } from './app';

/** Creates (or updates) a subscriber and returns it with a signed-in customer token (skips the SMS code). */
export async function customerWithToken(
  t: TestApp,
  accountId: string,
  msisdn: string,
  extra: Omit<NewSubscriber, 'accountId' | 'msisdn'> = {},
) {
  const subscriber = await t
    .get<SubscribersService>(SubscribersService)
    .upsert({ accountId, msisdn, ...extra });
  const token = newToken('customer');
  await t.db.getRepository(CustomerSession).insert({
    subscriberId: subscriber.id,
    tokenHash: sha256(token),
    expiresAt: new Date(t.clock.now().getTime() + 3600_000), // checked on the Clock
  });
  return { subscriber, token };
}

/** The same from one NewSubscriber, as `{ id, msisdn, token }` (the number-change tests' shape). */
export async function signedInCustomer(t: TestApp, { accountId, msisdn, ...extra }: NewSubscriber) {
  const { subscriber, token } = await customerWithToken(t, accountId, msisdn, extra);
  return { id: subscriber.id, msisdn: subscriber.msisdn, token };
}

/** Polls until `check` returns a truthy value (work done by a BullMQ worker), or fails after `ms` saying `what`. */
export async function eventually<T>(
  check: () => Promise<T>,
  ms = 15_000,
  what = 'the condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
