import { SegmentedMessage } from 'sms-segments-calculator';

export interface SmsInfo {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
}

// GSM 03.38: the basic set, and the extension set whose characters take two septets.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const GSM_ONLY = new RegExp(`^[${escapeClass(GSM_BASIC + GSM_EXTENDED)}]*$`, 'u');
const GSM_EXT = new RegExp(`[${escapeClass(GSM_EXTENDED)}]`, 'gu');

function escapeClass(chars: string): string {
  return chars.replace(/[\\\]^[-]/g, '\\$&');
}

/**
 * GSM-7 or UCS-2 and the number of segments, as Twilio counts them. Plain GSM-7 text (nearly every message)
 * is counted directly; anything else goes to TwilioDevEd's calculator, which is exact but costs a grapheme
 * split per message (a fifth of a send worker's CPU when it did every message).
 */
export function smsInfo(body: string): SmsInfo {
  if (GSM_ONLY.test(body)) {
    const septets = body.length + (body.match(GSM_EXT)?.length ?? 0);
    return {
      encoding: 'GSM-7',
      segments: septets <= 160 ? 1 : Math.ceil(septets / 153),
      characters: body.length,
    };
  }
  const m = new SegmentedMessage(body);
  return {
    encoding: m.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7',
    segments: m.segmentsCount,
    characters: m.numberOfCharacters,
  };
}

/** What a template does to an SMS campaign's cost and time: UCS-2 (70 characters a segment), 3+ segments. */
export function smsWarnings(locale: string, info: SmsInfo): string[] {
  const out: string[] = [];
  if (info.encoding === 'UCS-2')
    out.push(
      `sms/${locale}: a character outside GSM-7 (an emoji, ŵ, ŷ…) makes it UCS-2: 70 characters a segment, ${info.segments} segments`,
    );
  if (info.segments >= 3)
    out.push(
      `sms/${locale}: ${info.segments} segments a message: ${info.segments}x the cost and the sending time of one`,
    );
  return out;
}
