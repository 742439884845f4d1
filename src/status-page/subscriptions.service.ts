import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isEmail } from 'class-validator';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { IncidentsService } from '../incidents/incidents.service';
import { NotificationsService } from '../notifications/notifications.service';
import { newOtpCode, sha256 } from '../identity/secrets';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Pseudonymiser, toE164 } from '../platform/privacy';
import { DurableWork } from '../platform/queue/durable-work';
import { RateLimiter } from '../platform/redis/redis.module';
import { SubscriptionsRepository } from './subscriptions.repository';
import type { Locale } from '../platform/locales';
import { StatusPageRenderer } from './status-renderer';
import { statusUpdateVars } from './status-update-message';
import { DomainError, NotFound } from '../platform/http/domain-error';

export const STATUS_PAGE_QUEUE = 'status-page';
const EMAIL_CONFIRM_TTL_MS = 48 * 3600_000;
const MAX_CODE_ATTEMPTS = 5;
const FANOUT_BATCH = 500;

export type ConfirmOutcome = 'confirmed' | 'already' | 'failed';

/** A refusal shown to the person as a page (the controller renders the string key). */
export class SubscriptionRefused extends DomainError {
  constructor(
    readonly messageKey: 'invalidAddress' | 'tooMany' | 'confirmFailed',
    status: number,
  ) {
    super(messageKey, status, messageKey);
  }
}

/**
 * Public subscriptions to an incident: email with double opt-in (a link), SMS confirmed by a code, one-click
 * unsubscribe (a keyed token, nothing stored), and the fan-out of each published update to every
 * confirmed subscriber through the notifications pipeline.
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: SubscriptionsRepository,
    private readonly work: DurableWork,
    private readonly incidents: IncidentsService,
    private readonly notifications: NotificationsService,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly renderer: StatusPageRenderer,
  ) {}

  async subscribe(
    incidentId: string,
    channel: 'sms' | 'email',
    rawAddress: string,
    locale: Locale,
    ip: string,
  ): Promise<{ id: string | null; channel: 'sms' | 'email' }> {
    const incident = await this.incidents.findPublic(incidentId);
    if (!incident) throw new NotFound('No such incident');
    const address =
      channel === 'email'
        ? isEmail(rawAddress.trim())
          ? rawAddress.trim().toLowerCase()
          : null
        : toE164(rawAddress, this.config.privacy.defaultCountry, true);
    if (!address) throw new SubscriptionRefused('invalidAddress', HttpStatus.BAD_REQUEST);
    const addressHmac = this.pseudonymiser.pseudonym(address, 'status-subscriber');
    // Confirmation messages cost money and annoy people: limit per address and per client address.
    const allowed =
      (await this.limiter.hit('status-sub-ip', ip, 20, 3600)) &&
      (await this.limiter.hit('status-sub-addr', addressHmac.slice(0, 32), 3, 3600));
    if (!allowed) throw new SubscriptionRefused('tooMany', HttpStatus.TOO_MANY_REQUESTS);

    const secret = channel === 'email' ? randomBytes(24).toString('base64url') : newOtpCode();
    const ttl = channel === 'email' ? EMAIL_CONFIRM_TTL_MS : this.config.auth.otpTtlSeconds * 1000;
    return this.db.transaction(async (m) => {
      // A confirmed subscription is left alone (and nothing is sent): the answer looks the same either way.
      const id = await this.repo.upsertPending(m, {
        incidentId,
        channel,
        address,
        addressHmac,
        locale,
        secretHash: this.secretHash(channel, secret),
        secretExpiresAt: new Date(this.clock.now().getTime() + ttl),
      });
      // The Welsh title for a Welsh subscriber when there is one (issue 17).
      const title = (locale === 'cy' && incident.titleCy) || incident.title;
      if (id) await this.sendConfirmation(m, id, channel, address, locale, secret, title);
      return { id, channel };
    });
  }

  /**
   * Email double opt-in: the link's token, before it expires. The hash is kept after confirmation, so a
   * second click on the same link answers "already confirmed" (and nothing else learns that).
   */
  async confirmEmail(id: string, token: string): Promise<ConfirmOutcome> {
    const hash = this.secretHash('email', token);
    if (await this.repo.confirmEmail(id, hash, this.clock.now())) return 'confirmed';
    return (await this.alreadyConfirmed(id, hash)) ? 'already' : 'failed';
  }

  private async alreadyConfirmed(id: string, hash: string): Promise<boolean> {
    return this.repo.isConfirmedWith(id, hash);
  }

  /** SMS confirmation: every guess counts in the same statement, so parallel guesses cannot exceed the limit. */
  async confirmCode(id: string, code: string): Promise<ConfirmOutcome> {
    const hash = this.secretHash('sms', code);
    if (await this.repo.confirmCode(id, hash, this.clock.now(), MAX_CODE_ATTEMPTS)) return 'confirmed';
    return (await this.alreadyConfirmed(id, hash)) ? 'already' : 'failed';
  }

  /** One subscription with its incident's title, for the unsubscribe page (null when unknown). */
  async describe(id: string): Promise<{ locale: Locale; title: string; titleCy: string | null } | null> {
    const s = await this.repo.findById(id);
    const incident = s ? await this.incidents.findPublic(s.incidentId) : null;
    return s && incident ? { locale: s.locale, title: incident.title, titleCy: incident.titleCy } : null;
  }

  /** A customer's own subscriptions: those to their number or email address (My account's "Updates"). */
  async forAddresses(addresses: string[]) {
    if (!addresses.length) return [];
    const hmacs = addresses.map((a) => this.pseudonymiser.pseudonym(a, 'status-subscriber'));
    const subs = await this.repo.forAddressHmacs(hmacs);
    const out = [];
    for (const s of subs) {
      const incident = await this.incidents.findPublic(s.incidentId);
      if (incident)
        out.push({
          id: s.id,
          channel: s.channel,
          status: s.status,
          title: incident.title,
          titleCy: incident.titleCy,
        });
    }
    return out;
  }

  /** Unsubscribes one of a customer's own subscriptions (false when it is not theirs: they learn nothing). */
  async unsubscribeOwn(
    id: string,
    addresses: string[],
  ): Promise<{ title: string; titleCy: string | null } | null> {
    const own = (await this.forAddresses(addresses)).find((s) => s.id === id);
    if (!own) return null;
    await this.unsubscribe(id, this.unsubscribeToken(id));
    return own;
  }

  /** One click: the token is a keyed HMAC of the id, so it needs no storage and cannot be guessed. */
  async unsubscribe(id: string, token: string): Promise<boolean> {
    if (!this.validUnsubscribeToken(id, token)) return false;
    await this.repo.unsubscribe(id, this.clock.now());
    return true;
  }

  validUnsubscribeToken(id: string, token: string): boolean {
    const expected = Buffer.from(this.unsubscribeToken(id));
    const given = Buffer.from(String(token));
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** The link in every update; it carries the subscriber's language, so the page speaks it. */
  unsubscribeUrl(id: string, locale: Locale = 'en'): string {
    return `${this.config.http.publicBaseUrl}/status/subscriptions/${id}/unsubscribe?token=${this.unsubscribeToken(id)}${locale === 'cy' ? '&lang=cy' : ''}`;
  }

  /** The fan-out's row first (the record the re-drive reads), then its job. */
  async enqueueFanout(updateId: string): Promise<void> {
    await this.repo.addFanout(updateId);
    await this.work.add('status-page.fanout', this.fanoutJob(updateId));
  }

  /**
   * Re-drive: publications of the last week without a fan-out row get one (a crash between the publication's
   * commit and the row), and open rows whose job is missing or finished get it again.
   */
  async redriveFanouts(): Promise<number> {
    const since = new Date(this.clock.now().getTime() - 7 * 24 * 3600_000);
    const published = await this.incidents.publishedSince(since);
    const created = await this.repo.addMissingFanouts(published);
    const open = await this.repo.openFanouts();
    const added = await this.work.ensureJobs(
      'status-page.fanout',
      open.map((id) => this.fanoutJob(id)),
    );
    return created + added;
  }

  private fanoutJob(updateId: string) {
    return { data: { updateId }, jobId: `fanout-${updateId}` };
  }

  /**
   * Sends a published update to every confirmed subscriber of its incident, in keyset-paged batches (memory
   * stays flat however many there are). Safe to run twice: each message's dedupe key is update + subscriber.
   */
  async fanOut(updateId: string): Promise<number> {
    const found = await this.incidents.publishedUpdate(updateId);
    if (!found) return 0;
    const { update, incident } = found;
    let after = '00000000-0000-0000-0000-000000000000';
    let sent = 0;
    for (;;) {
      const batch = await this.repo.confirmedPage(incident.id, after, FANOUT_BATCH);
      if (!batch.length) break;
      await this.db.transaction(async (m) => {
        for (const s of batch) {
          await this.notifications.queue(m, {
            kind: 'status-update',
            channel: s.channel,
            to: s.address,
            locale: s.locale,
            vars: {
              ...statusUpdateVars(
                incident,
                update,
                s.locale,
                this.renderer.strings[s.locale].status[update.incidentStatus],
                this.config.http.publicBaseUrl,
              ),
              unsubscribeUrl: this.unsubscribeUrl(s.id, s.locale),
            },
            dedupeKey: `status-update:${update.id}:${s.id}`,
          });
        }
      });
      sent += batch.length;
      after = batch[batch.length - 1].id;
    }
    await this.repo.fanoutDone(updateId, this.clock.now(), sent);
    this.logger.log(`update ${updateId} sent to ${sent} subscriber(s)`);
    return sent;
  }

  private async sendConfirmation(
    m: EntityManager,
    id: string,
    channel: 'sms' | 'email',
    to: string,
    locale: Locale,
    secret: string,
    incidentTitle: string,
  ): Promise<void> {
    const base = this.config.http.publicBaseUrl;
    await this.notifications.queue(m, {
      kind: channel === 'email' ? 'status-subscription-confirm' : 'status-subscription-code',
      channel,
      to,
      locale,
      vars:
        channel === 'email'
          ? {
              incidentTitle,
              confirmUrl: `${base}/status/subscriptions/${id}/confirm?token=${secret}${locale === 'cy' ? '&lang=cy' : ''}`,
            }
          : { incidentTitle, code: secret },
      dedupeKey: `status-subscription:${id}:${sha256(secret).slice(0, 16)}`,
    });
  }

  private secretHash(channel: string, secret: string): string {
    return sha256(`${channel}:${secret}`);
  }

  private unsubscribeToken(id: string): string {
    return this.pseudonymiser.pseudonym(id, 'status-unsubscribe').slice(0, 32);
  }
}
