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
  abstract close(): void;
}

/** nodemailer with a pooled SMTP transport (one connection per email is a known way to melt a relay). */
export class SmtpEmailProvider extends EmailProvider {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    maxConnections: number,
  ) {
    super();
    this.transport = nodemailer.createTransport({
      url,
      pool: true,
      maxConnections,
      maxMessages: Infinity,
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

  close(): void {
    this.transport.close();
  }
}
