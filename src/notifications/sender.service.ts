import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../platform/config';
import { Clock } from '../platform/clock/clock';
import { JobMetrics } from '../platform/metrics/metrics.service';
import { mask, maskEmail, Pseudonymiser } from '../platform/privacy';
import { DurableWork } from '../platform/queue/durable-work';
import { Channel, MESSAGE_KINDS } from './message-kinds';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { ClaimedMessage, OutboxRepository } from './outbox.repository';
import { EmailProvider } from '../channels/email-provider';
import { ProviderError } from '../channels/provider-error';
import { SmsProvider } from '../channels/sms-provider';
import { SendJob, SMS_QUEUE } from './queues';
import { inQuietHours } from './quiet-hours';
import { referenceCode } from './reference-code';
import { SendLease } from './send-lease';
import { PacedSend, SendPacer } from './send-pacer';
import { TemplateRegistry } from './templates/template-registry';

/** Thrown to make BullMQ retry the job later (with the queue's exponential backoff). */
export class RetryLater extends Error {}

export type SendOutcome = 'sent' | 'recovered' | 'failed' | 'skipped' | 'deferred' | 'noop';

/**
 * Sends one outbox row. The row is claimed with a conditional UPDATE (so two jobs for one row cannot both
 * send), the provider is called, and the answer recorded. Only the worker whose UPDATE claimed a row calls the
 * provider for it, and it claims right before the call (a paced send after its slot has come), so a claim is
 * never old while its worker lives. A row whose earlier attempt may have reached the
 * provider without being recorded (a worker killed mid-call) is first looked up at Twilio, so a crash
 * between "accepted" and "recorded" still yields exactly one SMS.
 *
 * A job may carry several rows (a channel without a rate limit): they are sent concurrently and independently.
 */
@Injectable()
export class SenderService {
  private readonly logger = new Logger(SenderService.name);
  private readonly outcomes;
  private readonly mailDomain: string;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly templates: TemplateRegistry,
    private readonly sms: SmsProvider,
    private readonly email: EmailProvider,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly pacer: SendPacer,
    private readonly campaigns: CampaignLifecycle,
    private readonly lease: SendLease,
    metrics: JobMetrics,
    private readonly work: DurableWork,
  ) {
    this.outcomes = metrics.counter('candor_messages_total', 'Messages by channel and outcome', [
      'channel',
      'outcome',
    ]);
    this.mailDomain = config.smtp.from.match(/@([^>\s]+)/)?.[1] ?? 'candor.local';
  }

  async process(job: Job<SendJob>): Promise<SendOutcome[]> {
    const { ids } = job.data;
    const channel: Channel = job.queueName === SMS_QUEUE ? 'sms' : 'email';
    const { sendStaleSeconds: stale, callSettleSeconds: settle } = this.config.notifications;
    let sends: Array<(id: string) => Promise<SendOutcome>>;
    if (!this.pacer.limited(channel)) {
      // Unpaced: one statement claims the whole batch and its rows go to the provider at once.
      const turn = await this.pacer.turn(
        channel,
        ids.map(() => 1),
      );
      const rows = new Map(
        (await this.outbox.claim(ids, stale, settle, this.clock.now(), this.lease.id)).map((r) => [r.id, r]),
      );
      sends = ids.map((_, i) => (id) => this.processOne(id, rows.get(id), job, turn.send(i)));
    } else {
      // Paced (SMS in segments on a sender of the pool, email in messages): the job's rows are claimed in one
      // statement when the first of their slots comes; a job carries 20-40 ms of its channel's rate
      // (batchSizeFor), so a claimed row waits no longer than that for its own slot (the lease keeps it ours).
      const turn = await this.pacer.turn(channel, await this.units(channel, ids));
      await turn.go(turn.first);
      const rows = new Map(
        (await this.outbox.claim(ids, stale, settle, this.clock.now(), this.lease.id)).map((r) => [r.id, r]),
      );
      sends = ids.map((_, i) => async (id) => {
        await turn.go(i);
        return this.processOne(id, rows.get(id), job, turn.send(i));
      });
    }
    if (ids.length === 1) return [await sends[0](ids[0])]; // RetryLater: BullMQ retries
    // One row's transient error must not send the others again: that row alone goes to a job of its own.
    const settled = await Promise.allSettled(
      ids.map((id, i) =>
        sends[i](id).catch(async (e) => {
          if (!(e instanceof RetryLater)) throw e;
          await this.retryAlone(id, job);
          return 'deferred' as const;
        }),
      ),
    );
    // Anything else (the database gone): retry the whole job; rows already final are not claimed again.
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<SendOutcome>).value);
  }

  /**
   * What each send costs the pacer: an SMS its segments (rendered from the row as a claim would read it, since
   * the slot is reserved before the claim), an email 1. Only a paced channel needs the count.
   */
  private async units(channel: Channel, ids: string[]): Promise<number[]> {
    if (channel === 'email' || !this.pacer.limited('sms')) return ids.map(() => 1);
    const rows = new Map((await this.outbox.peek(ids)).map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = rows.get(id);
      if (!row) return 1;
      try {
        const code = referenceCode(this.config.privacy.pseudonymKey, row.id);
        return this.templates.render(row.kind, row.locale, 'sms', this.varsFor(row, code)).sms?.segments ?? 1;
      } catch {
        return 1; // the send records the template error
      }
    });
  }

  /**
   * Gives a row of a batch a delayed single-row job with the attempts the batch had left, recorded on the row
   * first (if the add fails, the sweeper finds the row's job missing and re-enqueues it).
   */
  private async retryAlone(id: string, batch: Job<SendJob>): Promise<void> {
    const jobId = `m${id}-r${randomUUID()}`;
    await this.outbox.moveToJob(id, jobId);
    const backoff = batch.opts.backoff;
    await this.work.add(batch.queueName === SMS_QUEUE ? 'sms.send' : 'email.send', {
      data: { ids: [id] },
      jobId,
      delay: typeof backoff === 'number' ? backoff : (backoff?.delay ?? 1000),
      opts: { attempts: Math.max(1, (batch.opts.attempts ?? 1) - batch.attemptsMade - 1) },
    });
  }

  private async processOne(
    id: string,
    row: ClaimedMessage | undefined,
    job: Job,
    send: PacedSend,
  ): Promise<SendOutcome> {
    if (!row) return this.unclaimable(id);
    const outcome = await this.deliver(row, job, send);
    this.outcomes.inc({ channel: row.channel, outcome });
    return outcome;
  }

  private async unclaimable(id: string): Promise<SendOutcome> {
    const state = await this.outbox.state(id, this.config.notifications.callSettleSeconds);
    if (!state) return 'noop';
    // Handed to the provider moments ago (that call may still be on the wire): look again later.
    if (state.inCall && ['queued', 'sending'].includes(state.status))
      throw new RetryLater(`message ${id} was handed to the provider moments ago`);
    if (state.status === 'queued' && state.campaignStatus === 'cancelled') {
      await this.outbox.markFinal(id, 'cancelled', 'campaign_cancelled', 'campaign cancelled');
      return 'skipped';
    }
    if (state.status === 'queued' && state.campaignStatus && state.campaignStatus !== 'running') {
      await this.outbox.release(id, 'pending'); // paused: the dispatcher takes it again on resume
      return 'deferred';
    }
    // Another worker holds it right now; try again after it either records the send or goes stale.
    if (state.status === 'sending') throw new RetryLater(`message ${id} is being sent elsewhere`);
    return 'noop'; // already final
  }

  /** Called right after the claim: the row's slot has come (paced channels) or there is none. */
  private async deliver(row: ClaimedMessage, job: Job, send: PacedSend): Promise<SendOutcome> {
    const kind = MESSAGE_KINDS[row.kind];
    if (row.channel === 'sms') {
      if (kind?.quietHours && !row.ignoreQuietHours && this.quietNow()) {
        await this.outbox.release(row.id, 'pending');
        return 'deferred';
      }
      // A subscriber's STOP is already in the claimed row; another number is looked up by its HMAC.
      const stopped =
        row.optedOut ||
        (!row.knownSubscriber && (await this.outbox.isOptedOut(this.pseudonymiser.pseudonym(row.toAddress))));
      if (stopped) {
        await this.outbox.markFinal(row.id, 'skipped', 'opted_out', 'recipient replied STOP');
        return 'skipped';
      }
    } else if (row.optedOut) {
      await this.outbox.markFinal(row.id, 'skipped', 'opted_out', 'recipient unsubscribed from email');
      return 'skipped';
    }

    const code = referenceCode(this.config.privacy.pseudonymKey, row.id);
    if (row.channel === 'sms' && row.prevStarted) {
      // An earlier attempt may have been accepted by Twilio and never recorded: ask before resending.
      const since = new Date(row.prevStarted.getTime() - 60_000);
      const found = await this.sms.findSent(row.toAddress, since, code).catch(() => {
        throw new RetryLater('cannot confirm an earlier attempt; not resending yet');
      });
      if (found) {
        await this.outbox.markSent(row.id, found, null);
        this.logger.log(`message ${row.id} had been sent before a crash; recorded, not resent`);
        return 'recovered';
      }
    }

    const messageId = `<m${row.id}.${row.campaignId ?? 'tx'}@${this.mailDomain}>`;
    if (row.channel === 'email' && row.prevCall) {
      const settled = await this.emailInDoubt(row, messageId);
      if (settled) return settled;
    }

    let rendered;
    try {
      rendered = this.templates.render(row.kind, row.locale, row.channel, this.varsFor(row, code));
    } catch (e: any) {
      await this.outbox.markFinal(row.id, 'failed', 'template', e.message);
      return 'failed';
    }

    if (row.channel === 'sms' && this.validityLeft(row) <= 0) {
      await this.outbox.markFinal(row.id, 'failed', 'expired', "older than the campaign's ValidityPeriod");
      return 'failed';
    }
    await this.holdLease(row);
    // Marked just before the provider call, for this claim only. Another worker took the row meanwhile: send
    // nothing. The database cannot record it: send nothing (the job retries).
    if (!(await this.outbox.markCalling(row.id, row.attempts))) return 'noop';
    // Admitted by its lane (its segments; an email is 1) after the mark, right before the call, so it holds its
    // place there (until a second after the answer) no longer than it must; the mark keeps the row ours.
    try {
      await send.cover(rendered.sms?.segments ?? 1);
    } catch (e) {
      await this.outbox.unclaim(row.id, this.lease.id, row.prevCall); // not sent: its mark undone
      throw e;
    }
    if (!this.lease.held()) send.done(); // not called after all: its place on the lane frees
    await this.holdLease(row);
    let accepted: { providerId: string; segments: number | null };
    try {
      if (row.channel === 'sms') {
        const validity = this.validityLeft(row);
        const { providerId } = await this.sms.send({
          to: row.toAddress,
          body: rendered.text,
          statusCallback: `${this.config.http.publicBaseUrl}/webhooks/twilio/status?m=${row.id}`,
          from: send.from ?? undefined,
          validityPeriod: Number.isFinite(validity) ? Math.max(1, Math.floor(validity)) : undefined,
        });
        accepted = { providerId, segments: rendered.sms?.segments ?? null };
      } else {
        const { providerId } = await this.email.send({
          to: row.toAddress,
          subject: rendered.subject ?? '',
          text: rendered.text,
          html: rendered.html,
          // Fixed per message: a lookup finds it, and a resend would thread as the same message.
          messageId,
          headers: this.listUnsubscribe(row),
        });
        accepted = { providerId, segments: null };
      }
    } catch (e) {
      send.done();
      return this.failed(row, job, e);
    }
    send.done();
    // Accepted: if this write fails (the database gone), the row stays "sending" with its marks and the job
    // retries; the next attempt finds it in doubt and looks it up instead of sending again.
    await this.outbox.markSent(row.id, accepted.providerId, accepted.segments);
    return 'sent';
  }

  /** A lapsed lease (database gone, process stalled): others may take the row, so it goes back, start kept. */
  private async holdLease(row: ClaimedMessage): Promise<void> {
    if (this.lease.held()) return;
    await this.outbox.unclaim(row.id, this.lease.id, row.prevCall);
    throw new RetryLater(`send lease not renewed; message ${row.id} put back`);
  }

  /**
   * An earlier attempt handed this email to SMTP and recorded no answer (a worker killed, the database gone
   * after the call). Resolved by the SMS rule, never resent blindly: the provider's lookup says whether it went
   * (recorded as sent) or not (sent now); a provider that cannot tell leaves it failed as `email:in_doubt`
   * for a person. Returns the outcome, or null to go on and send.
   */
  private async emailInDoubt(row: ClaimedMessage, messageId: string): Promise<SendOutcome | null> {
    const found = await this.email.findSent(messageId).catch(() => {
      throw new RetryLater('cannot confirm an earlier email attempt; not resending yet');
    });
    if (found === true) {
      await this.outbox.markSent(row.id, messageId, null);
      this.logger.log(`message ${row.id} had been sent before a crash; recorded, not resent`);
      return 'recovered';
    }
    if (found === null) {
      await this.outbox.markFinal(
        row.id,
        'failed',
        'email:in_doubt',
        'an earlier attempt may have been delivered and the provider cannot tell; not resent',
      );
      this.logger.warn(`message ${row.id}: email in doubt after an interrupted send; held, not resent`);
      return 'failed';
    }
    return null;
  }

  /**
   * Seconds left of the campaign's ValidityPeriod (counted from its start), Infinity without one: a breach
   * notice held past its window (quiet hours, a pause, a backlog) fails here or at Twilio (30036) rather than
   * arriving at 3 am.
   */
  private validityLeft(row: ClaimedMessage): number {
    if (!row.validitySeconds || !row.campaignStartedAt) return Infinity;
    return row.validitySeconds - (this.clock.now().getTime() - row.campaignStartedAt.getTime()) / 1000;
  }

  /** Acts on a provider's refusal by its class (providers/provider-error.ts). */
  private async failed(row: ClaimedMessage, job: Job, e: unknown): Promise<SendOutcome> {
    const err =
      e instanceof ProviderError
        ? e
        : new ProviderError(String((e as Error)?.message ?? e), 'internal', 'retry');
    const who = row.channel === 'sms' ? mask(row.toAddress) : maskEmail(row.toAddress);
    // Too fast for the provider (429, a sender's full queue): every worker of this channel holds off a moment.
    if (err.rateLimitMs)
      await this.work
        .queue(row.channel === 'sms' ? 'sms.send' : 'email.send')
        .rateLimit(err.rateLimitMs)
        .catch(() => undefined);
    if (err.stopsCampaign && row.campaignId) {
      // The content or the account must change: the row waits (pending) for the campaign to be resumed. The
      // pause comes first: a pending row of a running campaign would be taken again by the dispatcher.
      await this.campaigns.pauseForProvider(row.campaignId, err.code, err.action);
      await this.outbox.release(row.id, 'pending', {
        code: err.code,
        message: err.message,
        keepStarted: false,
      });
      this.logger.error(`message ${row.id}: ${err.code} (${err.action}); campaign ${row.campaignId} paused`);
      return 'deferred';
    }
    const lastAttempt = err.stopsCampaign || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (err.permanent || lastAttempt) {
      await this.outbox.markFinal(row.id, 'failed', err.code, err.message);
      this.logger.warn(
        `message ${row.id} to ${who} failed: ${err.code}${err.permanent ? '' : ' (retries exhausted)'}`,
      );
      if (err.code === 'twilio:21610') await this.optOut(row.toAddress);
      return 'failed';
    }
    // The provider answered (so nothing went out) unless the call itself failed mid-way.
    const mayHaveSent = err.code.startsWith('net:');
    await this.outbox.release(row.id, 'queued', {
      code: err.code,
      message: err.message,
      keepStarted: mayHaveSent,
    });
    throw new RetryLater(`transient ${err.code} for message ${row.id}`);
  }

  /** Campaign values, then the recipient's name (campaigns), then a one-off message's own, then the common ones. */
  private varsFor(row: ClaimedMessage, code: string): Record<string, unknown> {
    const base = this.config.http.publicBaseUrl;
    const name = row.campaignId
      ? { firstName: row.firstName ?? (row.locale === 'cy' ? 'gwsmer' : 'customer') }
      : {};
    return {
      ...(row.campaignVars ?? {}),
      ...name,
      ...(row.vars ?? {}),
      baseUrl: base,
      referenceCode: code,
      verifyUrl: `${base}/verify/${code}`,
    };
  }

  /** RFC 8058 one-click unsubscribe: the message's own link when it has one (update subscriptions). */
  private listUnsubscribe(row: ClaimedMessage): Record<string, string> | undefined {
    const url = row.vars?.unsubscribeUrl;
    if (typeof url !== 'string') return undefined;
    return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  }

  private quietNow(): boolean {
    const n = this.config.notifications;
    return inQuietHours(this.clock.now(), n.quietHours, n.quietHoursTz);
  }

  async optOut(e164: string): Promise<void> {
    await this.outbox.optOut(this.pseudonymiser.pseudonym(e164));
  }
}
