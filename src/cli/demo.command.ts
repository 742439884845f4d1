import { Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../audit/actor';
import { createApp } from '../bootstrap';
import { LedgerService } from '../compensation/ledger.service';
import { OffersService } from '../compensation/offers.service';
import { StaffUser } from '../identity/staff-user.entity';
import { UsersService } from '../identity/users.service';
import { AppConfig } from '../platform/config';
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
      summary.compensation = await this.demoCompensation(app);
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

  /** An offer for the affected subscribers (a list here), claimed by one sample customer; ledger checked. */
  private async demoCompensation(app: NestExpressApplication) {
    const subscribers = app.get(SubscribersService);
    const sample = [];
    for (let i = 1; i <= 3; i++)
      sample.push(
        await subscribers.upsert({
          accountId: `DEMO-C${i}`,
          msisdn: `+4479111000${10 + i}`,
          firstName: `Demo ${i}`,
        }),
      );
    const offers = app.get(OffersService);
    const actor = { type: 'system' as const, id: 'demo' };
    const offer = await offers.create(
      {
        name: 'Sorry for the exposure: £5 credit',
        kind: 'credit',
        value: 500,
        eligibility: 'list',
        mode: 'claim',
        claimClosesAt: new Date(Date.now() + 14 * 86400_000).toISOString(),
      },
      actor,
    );
    const list = await offers.addToList(
      offer.id,
      Readable.from(sample.map((s) => `${s.accountId}\n`)),
      actor,
    );
    const customer = sample[0];
    const claim = await offers.claim(offer.id, customer.id, 'web', { type: 'customer', id: customer.id });
    const ledger = app.get(LedgerService);
    const trial = await ledger.trialBalance();
    this.log.log(`compensation: offer ${offer.id} for ${list.added} subscribers, one claimed`);
    return {
      offerId: offer.id,
      eligible: list.added,
      claimId: (claim.body as { claimId: string }).claimId,
      customerAccountId: customer.accountId,
      customerBalancePence: await ledger.balance(customer.id),
      ledgerBalanced: trial.totalPence === 0 && trial.unbalancedEntries === 0,
    };
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
