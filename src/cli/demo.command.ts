import { Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes, randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../audit/actor';
import { createApp } from '../bootstrap';
import { StaffUser } from '../identity/staff-user.entity';
import { UsersService } from '../identity/users.service';
import { NumberChangeService } from '../number-change/number-change.service';
import { NumberPoolService } from '../number-change/number-pool.service';
import { AppConfig } from '../platform/config';
import { mask } from '../platform/privacy';
import { ProvisioningSandbox } from '../sandbox/provisioning-sandbox';
import { SubscribersService } from '../subscribers/subscribers.service';

interface DemoOptions {
  once?: boolean;
  json?: boolean;
  port?: string;
}

/**
 * The README's main command: migrates, creates a demo admin and runs the whole story on sample data
 * through the local sinks, then keeps serving (or, with --once, exits and prints a JSON summary).
 */
@Command({ name: 'demo', description: 'Run the end-to-end demo on sample data' })
export class DemoCommand extends CommandRunner {
  private readonly log = new Logger('Demo');

  async run(_: string[], o: DemoOptions): Promise<void> {
    const overrides: Record<string, string> = { LOG_TARGET: 'stderr' };
    if (o.port) Object.assign(overrides, { PORT: o.port, PUBLIC_BASE_URL: `http://localhost:${o.port}` });
    if (o.once) overrides.LOG_LEVEL = 'warn';
    const started = Date.now();
    const app = await createApp({ overrides });
    const config = app.get(AppConfig);
    const summary: Record<string, unknown> = {};
    try {
      summary.admin = await this.ensureAdmin(app.get(DataSource), app.get(UsersService));
      summary.numberChange = await this.demoNumberChange(app);
      summary.baseUrl = config.http.publicBaseUrl;
      summary.port = config.http.port;
      summary.durationMs = Date.now() - started;
    } catch (e) {
      await app.close();
      throw e;
    }
    if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else {
      process.stderr.write(
        `\nCandor demo is running on ${config.http.publicBaseUrl}\n` +
          `  API docs:     ${config.http.publicBaseUrl}/docs\n` +
          `  Demo admin:   ${(summary.admin as any).email} / ${(summary.admin as any).password ?? '(existing user, password unchanged)'}\n` +
          `Press Ctrl+C to stop.\n`,
      );
    }
    if (o.once) {
      await app.close();
      return;
    }
    await new Promise<void>((resolve) => app.getHttpServer().on('close', resolve));
  }

  private async ensureAdmin(db: DataSource, users: UsersService) {
    const email = 'admin@candor.test';
    if (await db.getRepository(StaffUser).findOne({ where: { email } })) return { email, created: false };
    const password = process.env.CANDOR_DEMO_PASSWORD ?? randomBytes(9).toString('base64url');
    await users.create({ email, displayName: 'Demo Admin', role: 'admin', password }, SYSTEM_ACTOR);
    this.log.log('created demo admin');
    return { email, password, created: true };
  }

  /**
   * A sample customer asks for a new number "similar to my old one", an admin approves and schedules it,
   * and the worker's cutover goes through the provisioning sandbox. Fresh numbers each run, so it reruns.
   */
  private async demoNumberChange(app: NestExpressApplication) {
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
    const done = await this.waitFor(async () => {
      const r = await requests.get(created.id);
      return r.state === 'completed' ? r : null;
    });
    this.log.log(`number change ${created.id}: ${done ? 'completed' : 'not completed in time'}`);
    // Every step was confirmed through the outbox (SMS to the old and new number, email): wait until sent.
    const confirmations = await this.waitFor(async () => {
      const rows: Array<{ channel: string; status: string }> = await app
        .get(DataSource)
        .query(`SELECT channel, status FROM messages WHERE dedupe_key LIKE $1`, [
          `number-change:${created.id}:%`,
        ]);
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

  /** Polls work a queue worker does (up to 20 s). */
  private async waitFor<T>(check: () => Promise<T | null>): Promise<T | null> {
    for (let i = 0; i < 200; i++) {
      const v = await check();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  @Option({ flags: '--once', description: 'exit when the story has run' })
  once() {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON summary on stdout' })
  json() {
    return true;
  }

  @Option({ flags: '--port <port>', description: 'HTTP port (default PORT or 3000)' })
  port(v: string) {
    return v;
  }
}
