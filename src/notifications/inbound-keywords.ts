import { Injectable } from '@nestjs/common';

/** What a module answers to an SMS reply starting with its keyword; null = not handled here. */
export type KeywordHandler = (fromE164: string, text: string) => Promise<string | null>;

/** Keywords other modules register for inbound SMS; STOP/START/HELP are the webhook's own. */
@Injectable()
export class InboundKeywords {
  private readonly handlers = new Map<string, KeywordHandler>();
  private readonly fallbacks: KeywordHandler[] = [];

  register(keyword: string, handler: KeywordHandler): void {
    this.handlers.set(keyword.toUpperCase(), handler);
  }

  /** For keywords that live in data (an offer's own keyword): asked in turn; null means "not mine". */
  registerFallback(handler: KeywordHandler): void {
    this.fallbacks.push(handler);
  }

  /** The reply of the first handler that takes the message, or undefined when none does. */
  async handle(fromE164: string, text: string): Promise<string | null | undefined> {
    const word = text.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
    const fixed = this.handlers.get(word);
    if (fixed) return fixed(fromE164, text);
    for (const fallback of this.fallbacks) {
      const reply = await fallback(fromE164, text);
      if (reply !== null) return reply;
    }
    return undefined;
  }
}
