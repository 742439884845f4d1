import { smsInfo } from '../channels/sms-segments';
import { otpText } from './otp-text';

describe('sign-in code text', () => {
  it('is in the subscriber language, one GSM-7 segment either way', () => {
    const en = otpText('123456', 10, 'en');
    const cy = otpText('123456', 10, 'cy');
    expect(en).toContain('sign-in code is 123456');
    expect(cy).toContain('cod mewngofnodi Candor yw 123456');
    expect(otpText('123456', 10, null)).toBe(en);
    for (const text of [en, cy]) expect(smsInfo(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });
});
