import { MESSAGE_KINDS } from '../notifications/message-kinds';
import { LOCALES } from '../platform/locales';
import { TemplateRegistry } from '../notifications/templates/template-registry';
import { loadConfig } from '../platform/config/app-config';
import { NUMBER_CHANGE_KINDS } from './number-change-messages';
import './number-change.module'; // declares the module's message kinds as it loads

// A long but realistic public address: the templates must stay within limits with it, not only with localhost.
const registry = new TemplateRegistry(loadConfig({ PUBLIC_BASE_URL: 'https://help.candor-mobile.co.uk' }));
const kinds = Object.keys(NUMBER_CHANGE_KINDS) as Array<keyof typeof NUMBER_CHANGE_KINDS>;

describe('number-change templates', () => {
  it('are message kinds the notifications module sends through the outbox', () => {
    for (const kind of kinds)
      expect(MESSAGE_KINDS[kind]).toMatchObject({ channels: NUMBER_CHANGE_KINDS[kind].channels });
    for (const kind of kinds) expect(MESSAGE_KINDS[kind].replyOnly).toBeFalsy();
  });

  it.each(LOCALES)('SMS (%s) are plain GSM-7, within 2 segments, with the reference code', (locale) => {
    for (const kind of kinds.filter((k) => (NUMBER_CHANGE_KINDS[k].channels as string[]).includes('sms'))) {
      const r = registry.render(kind, locale, 'sms', registry.sampleVars(kind));
      expect({ kind, encoding: r.sms!.encoding }).toEqual({ kind, encoding: 'GSM-7' });
      expect(r.sms!.segments).toBeLessThanOrEqual(2);
      expect(r.text).toContain('7K2Q-M9XA3B');
      expect(registry.contentIssues(r)).toEqual([]);
    }
  });

  it.each(LOCALES)('emails (%s) print the masked new number, never a full one', (locale) => {
    for (const kind of kinds.filter((k) => 'newNumber' in NUMBER_CHANGE_KINDS[k].vars)) {
      const r = registry.render(kind, locale, 'email', registry.sampleVars(kind));
      expect(r.text).toContain('+44 7*** ***456');
      expect(r.html).toContain('+44 7*** ***456');
      expect(r.subject).toBeTruthy();
    }
  });

  it('the code email shows the code in both parts', () => {
    for (const locale of LOCALES) {
      const r = registry.render(
        'number-change-code',
        locale,
        'email',
        registry.sampleVars('number-change-code'),
      );
      expect(r.text).toContain('482913');
      expect(r.html).toContain('482913');
    }
  });
});
