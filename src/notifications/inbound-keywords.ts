import { Injectable } from '@nestjs/common';

/** What a module answers to an SMS reply starting with its keyword (e.g. compensation's CLAIM). */
export type KeywordHandler = (fromE164: string, text: string) => Promise<string | null>;

/** Keywords other modules register for inbound SMS; STOP/START/HELP are the webhook's own. */
@Injectable()
export class InboundKeywords {
  private readonly handlers = new Map<string, KeywordHandler>();

  register(keyword: string, handler: KeywordHandler): void {
    this.handlers.set(keyword.toUpperCase(), handler);
  }

  find(keyword: string): KeywordHandler | undefined {
    return this.handlers.get(keyword.toUpperCase());
  }
}
