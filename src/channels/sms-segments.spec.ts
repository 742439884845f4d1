import { SegmentedMessage } from 'sms-segments-calculator';
import { smsInfo, smsWarnings } from './sms-segments';

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

describe('smsWarnings', () => {
  it('warns when a character forces UCS-2, and at 3 segments or more', () => {
    expect(smsWarnings('en', smsInfo('Short and plain.'))).toEqual([]);
    const welsh = smsWarnings('cy', smsInfo('Mae’r ŵyr yn iawn. ' + 'a'.repeat(60)));
    expect(welsh).toHaveLength(1);
    expect(welsh[0]).toMatch(/sms\/cy: .*UCS-2: 70 characters a segment, 2 segments/);
    const long = smsWarnings('en', smsInfo('x'.repeat(400)));
    expect(long).toEqual(['sms/en: 3 segments a message: 3x the cost and the sending time of one']);
  });
});
