import nodemailer, { Transporter } from 'nodemailer';
import { classifySmtpError } from './provider-error';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  headers?: Record<string, string>;
}

/** The email boundary: send returns the Message-ID the server accepted. */
export abstract class EmailProvider {
  abstract send(m: OutgoingEmail): Promise<{ providerId: string }>;
  /**
   * Whether a message with this Message-ID was accepted earlier (an attempt whose answer was never recorded):
   * true/false, or null when this provider cannot tell (plain SMTP has no lookup). Throws when the lookup fails.
   */
  abstract findSent(messageId: string): Promise<boolean | null>;
  abstract close(): void;
}

/** nodemailer with a pooled SMTP transport (one connection per email is a known way to melt a relay). */
export class SmtpEmailProvider extends EmailProvider {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    maxConnections: number,
    /** SMTP_LOOKUP_URL: an HTTP lookup by Message-ID (`?messageId=` → `{"found": bool}`); none = cannot tell. */
    private readonly lookupUrl?: string,
  ) {
    super();
    this.transport = nodemailer.createTransport({
      url,
      pool: true,
      maxConnections,
      maxMessages: Infinity,
      // Bounded, so a send is settled well within SEND_CALL_SETTLE_SECONDS (nodemailer's default is 10 minutes).
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      ignoreTLS: url.startsWith('smtp://127.0.0.1') || url.startsWith('smtp://localhost'),
    } as any);
  }

  async send(m: OutgoingEmail): Promise<{ providerId: string }> {
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        headers: m.headers,
      });
      return { providerId: info.messageId };
    } catch (e) {
      throw classifySmtpError(e);
    }
  }

  async findSent(messageId: string): Promise<boolean | null> {
    if (!this.lookupUrl) return null;
    const res = await fetch(`${this.lookupUrl}?messageId=${encodeURIComponent(messageId)}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`email lookup answered HTTP ${res.status}`);
    return ((await res.json()) as { found?: unknown }).found === true;
  }

  close(): void {
    this.transport.close();
  }
}
