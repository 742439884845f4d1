/**
 * The sign-in code text, in the subscriber's language. GSM-7 only (no circumflexes in the Welsh), so it
 * stays one SMS segment.
 */
export function otpText(code: string, minutes: number, locale: string | null | undefined): string {
  if (locale === 'cy')
    return `Eich cod mewngofnodi Candor yw ${code}. Mae'n dod i ben mewn ${minutes} munud. Ni fyddwn byth yn gofyn amdano dros y ffon.`;
  return `Your Candor sign-in code is ${code}. It expires in ${minutes} minutes. We will never ask you for it by phone.`;
}
