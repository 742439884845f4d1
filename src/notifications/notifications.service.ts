import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../platform/config';
import { toE164 } from '../platform/privacy';
import { DispatcherService } from './dispatcher.service';
import { localeOr } from '../platform/locales';
import { Channel, MESSAGE_KINDS } from './message-kinds';
import { MessagesRepository } from './messages.repository';
import { OutboxRepository } from './outbox.repository';
import { InvalidInput } from '../platform/http/domain-error';
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
    private readonly messages: MessagesRepository,
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
    const rows = await this.messages.forSubscriber(subscriberId, limit);
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      channel: r.channel,
      status: r.status,
      createdAt: new Date(r.createdAt).toISOString(),
      sentAt: r.sentAt ? new Date(r.sentAt).toISOString() : null,
      errorCode: r.errorCode,
      referenceCode: referenceCode(this.config.privacy.pseudonymKey, r.id),
    }));
  }

  /**
   * What the public may learn from a reference code: genuine or not, when and how it was sent, and its
   * kind (the pages say what a kind is about in customer words; never a campaign's internal name).
   */
  async verify(code: string) {
    const row = await this.sentMessage(code);
    if (!row) return { genuine: false as const };
    return { genuine: true as const, channel: row.channel, sentAt: row.sentAt, kind: row.kind };
  }

  /** The sent message a reference code stands for, with its recipient's subscriber id (never shown), or null. */
  async sentMessage(code: string) {
    const id = parseReferenceCode(this.config.privacy.pseudonymKey, code);
    const row = id ? await this.messages.forVerification(id) : null;
    if (!row || !['sent', 'delivered', 'undelivered'].includes(row.status)) return null;
    return { id: id!, ...row };
  }

  /** Every message that went out to this subscriber (newest first), each with its reference code. */
  async sentTo(subscriberId: string, limit = 100) {
    const all = await this.messagesFor(subscriberId, limit);
    return all
      .filter((m) => m.sentAt && ['sent', 'delivered', 'undelivered'].includes(m.status))
      .map((m) => ({ kind: m.kind, channel: m.channel, sentAt: m.sentAt!, referenceCode: m.referenceCode }));
  }

  private validate(msg: TransactionalMessage) {
    const kind = MESSAGE_KINDS[msg.kind];
    if (!kind || kind.replyOnly) throw new InvalidInput(`unknown message kind "${msg.kind}"`);
    if (!kind.channels.includes(msg.channel))
      throw new InvalidInput(`"${msg.kind}" has no ${msg.channel} template`);
    const missing = Object.keys(kind.vars).filter((v) => msg.vars[v] === undefined);
    if (missing.length) throw new InvalidInput(`"${msg.kind}" needs: ${missing.join(', ')}`);
    let to = msg.to.trim();
    if (msg.channel === 'sms') {
      const e164 = toE164(to, this.config.privacy.defaultCountry);
      if (!e164) throw new InvalidInput('not a valid phone number');
      to = e164;
    } else if (!EMAIL.test(to)) throw new InvalidInput('not a valid email address');
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
