import { Logger, INestApplication } from '@nestjs/common';
import { Readable } from 'node:stream';
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { StaffUser } from '../../identity/staff-user.entity';
import { NumberChangeService } from '../../number-change/number-change.service';
import { NumberPoolService } from '../../number-change/number-pool.service';
import { mask } from '../../platform/privacy';
import { ProvisioningSandbox } from '../../sandbox/provisioning-sandbox';
import { SubscribersService } from '../../subscribers/subscribers.service';
import { waitFor } from './demo-staff';
import { DemoRepository } from './demo.repository';

const log = new Logger('Demo');

/**
 * A sample customer asks for a new number "similar to my old one", an admin approves and schedules it,
 * and the worker's cutover goes through the provisioning sandbox. Fresh numbers each run, so it reruns.
 */
export async function demoNumberChange(app: INestApplication) {
  const pool = app.get(NumberPoolService);
  const requests = app.get(NumberChangeService);
  const admin = await app
    .get(DataSource)
    .getRepository(StaffUser)
    .findOneOrFail({ where: { email: 'admin@candor.test' } });
  const agent = { type: 'staff' as const, id: admin.id, role: admin.role };
  const base = randomInt(100_000, 900_000);
  const csv = ['msisdn', ...Array.from({ length: 20 }, (_, i) => `07460 ${base + i * 7}`)].join('\n');
  const imported = await pool.importCsv(Readable.from([csv]), agent);
  const subscriber = await app.get(SubscribersService).upsert({
    accountId: `DEMO-NC-${base}`,
    msisdn: `07958 ${base}`,
    email: 'demo.customer@example.com',
    firstName: 'Sam',
  });
  const customer = { type: 'customer' as const, id: subscriber.id, ip: '127.0.0.1' };
  const created = await requests.create(subscriber.id, { reason: 'My number was exposed' }, customer);
  const offers = await requests.offer(subscriber.id, created.id, true, customer);
  await requests.choose(subscriber.id, created.id, offers[0].msisdn, customer);
  await requests.approve(created.id, agent);
  await requests.schedule(created.id, undefined, agent);
  const done = await waitFor(async () => {
    const r = await requests.get(created.id);
    return r.state === 'completed' ? r : null;
  });
  log.log(`number change ${created.id}: ${done ? 'completed' : 'not completed in time'}`);
  // Every step was confirmed through the outbox (SMS to the old and new number, email): wait until sent.
  const confirmations = await waitFor(async () => {
    const rows = await new DemoRepository(app.get(DataSource)).messagesByKeyPrefix(
      `number-change:${created.id}:`,
    );
    if (rows.some((r) => ['pending', 'queued', 'sending'].includes(r.status))) return null;
    const sent = rows.filter((r) => ['sent', 'delivered'].includes(r.status));
    return {
      sms: sent.filter((r) => r.channel === 'sms').length,
      email: sent.filter((r) => r.channel === 'email').length,
    };
  });
  return {
    requestId: created.id,
    state: done?.state ?? (await requests.get(created.id)).state,
    oldNumber: mask(subscriber.msisdn),
    newNumber: mask(offers[0].msisdn),
    offered: offers.length,
    poolImported: imported.imported,
    provisioningReference: done?.provisioningReference ?? null,
    provisioningCalls: app.get(ProvisioningSandbox).calls,
    confirmations,
    pool: await pool.summary(),
  };
}
