import { SegmentedMessage } from 'sms-segments-calculator';
import { smsInfo } from './sms-segments';

describe('smsInfo', () => {
  const library = (s: string) => {
    const m = new SegmentedMessage(s);
    return { encoding: m.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7', segments: m.segmentsCount };
  };

  it('counts plain GSM-7 directly, exactly as the reference calculator does', () => {
    const samples = [
      '',
      'a',
      'x'.repeat(160),
      'x'.repeat(161),
      'x'.repeat(306),
      'x'.repeat(307),
      '€'.repeat(80), // extension characters take two septets
      '€'.repeat(81),
      'Price: £5 {ok} [yes] ~ ^ | \\ é à ñ Ä §',
      'Sam, we made a mistake: our web gateway shared your mobile number. See https://status.example.test/status Ref 0001-ABCDEF.',
      'line one\nline two\r\n' + 'y'.repeat(150),
    ];
    for (const s of samples) expect(smsInfo(s)).toMatchObject(library(s));
  });

  it('falls back to the calculator for anything else (UCS-2)', () => {
    for (const s of ['Siôn', 'ŵ'.repeat(71), 'emoji 😀 here', 'Ŵyn'.repeat(30)])
      expect(smsInfo(s)).toMatchObject({ ...library(s), encoding: 'UCS-2' });
  });
});
