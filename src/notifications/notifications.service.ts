import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../platform/config';
import { toE164 } from '../platform/privacy';
import { DispatcherService } from './dispatcher.service';
import { localeOr } from '../platform/locales';
import { Channel, MESSAGE_KINDS } from './message-kinds';
import { OutboxRepository } from './outbox.repository';
import { parseReferenceCode, referenceCode } from './reference-code';

export interface TransactionalMessage {
  /** A key of MESSAGE_KINDS. */
  kind: string;
  channel: Channel;
  /** E.164 number or email address. */
  to: string;
  /** 'en' (default) or 'cy'. */
  locale?: string;
  /** Exactly the variables the kind declares. */
  vars: Record<string, unknown>;
  /** Unique per message: a second call with the same key sends nothing. */
  dedupeKey: string;
  subscriberId?: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The one way other modules send a message (docs/CONTRIBUTING.md, "the notifications contract"). */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly dispatcher: DispatcherService,
    private readonly config: AppConfig,
  ) {}

  /** Writes the outbox row in the caller's transaction; the dispatcher picks it up within ~1 s of commit. */
  async queue(
    manager: EntityManager,
    msg: TransactionalMessage,
  ): Promise<{ id: string; duplicate: boolean }> {
    return this.outbox.insert(manager, this.validate(msg));
  }

  /** Its own transaction, then dispatched at once (where this process runs the worker role). */
  async send(msg: TransactionalMessage): Promise<{ id: string; duplicate: boolean }> {
    const res = await this.db.transaction((m) => this.queue(m, msg));
    if (!res.duplicate && this.config.runsWorker) await this.dispatcher.dispatch();
    return res;
  }

  /** Support's view of one customer: every message sent to them, newest first, with its reference code. */
  async messagesFor(subscriberId: string, limit = 100) {
    const rows: Array<{
      id: string;
      kind: string;
      channel: Channel;
      status: string;
      created_at: Date;
      sent_at: Date | null;
      error_code: string | null;
    }> = await this.db.query(
      `SELECT id, kind, channel, status, created_at, sent_at, error_code FROM messages
        WHERE subscriber_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [subscriberId, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      kind: r.kind,
      channel: r.channel,
      status: r.status,
      createdAt: new Date(r.created_at).toISOString(),
      sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
      errorCode: r.error_code,
      referenceCode: referenceCode(this.config.privacy.pseudonymKey, String(r.id)),
    }));
  }

  /** What the public may learn from a reference code: genuine or not, and when and how it was sent. */
  async verify(code: string) {
    const id = parseReferenceCode(this.config.privacy.pseudonymKey, code);
    const row = id ? await this.outbox.forVerification(id) : null;
    if (!row || !['sent', 'delivered', 'undelivered'].includes(row.status))
      return { genuine: false as const };
    return {
      genuine: true as const,
      channel: row.channel,
      sentAt: row.sent_at,
      about: row.campaign_name ?? row.kind,
    };
  }

  private validate(msg: TransactionalMessage) {
    const kind = MESSAGE_KINDS[msg.kind];
    if (!kind || kind.replyOnly) throw new BadRequestException(`unknown message kind "${msg.kind}"`);
    if (!kind.channels.includes(msg.channel))
      throw new BadRequestException(`"${msg.kind}" has no ${msg.channel} template`);
    const missing = Object.keys(kind.vars).filter((v) => msg.vars[v] === undefined);
    if (missing.length) throw new BadRequestException(`"${msg.kind}" needs: ${missing.join(', ')}`);
    let to = msg.to.trim();
    if (msg.channel === 'sms') {
      const e164 = toE164(to, this.config.privacy.defaultCountry);
      if (!e164) throw new BadRequestException('not a valid phone number');
      to = e164;
    } else if (!EMAIL.test(to)) throw new BadRequestException('not a valid email address');
    const locale = localeOr(msg.locale);
    return {
      kind: msg.kind,
      channel: msg.channel,
      to,
      locale,
      vars: msg.vars,
      dedupeKey: msg.dedupeKey,
      subscriberId: msg.subscriberId ?? null,
    };
  }
}
