import { CustomerSession } from '../../src/identity/customer-session.entity';
import { newToken, sha256 } from '../../src/identity/secrets';
import { SubscribersService } from '../../src/subscribers/subscribers.service';
import { TestApp } from './app';

/** Creates (or updates) a subscriber and returns it with a signed-in customer token (skips the SMS code). */
export async function customerWithToken(
  t: TestApp,
  accountId: string,
  msisdn: string,
  extra: { email?: string; locale?: string; firstName?: string } = {},
) {
  const subscriber = await t
    .get<SubscribersService>(SubscribersService)
    .upsert({ accountId, msisdn, ...extra });
  const token = newToken('customer');
  await t.db.getRepository(CustomerSession).insert({
    subscriberId: subscriber.id,
    tokenHash: sha256(token),
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return { subscriber, token };
}
