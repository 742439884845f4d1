/**
 * The privacy check as the author types: the server refuses public text with a phone number, an email
 * address or an account id (422 on approval and publication); this says so before anyone submits.
 */
const CHECKS: Array<[RegExp, string]> = [
  [/(?:\+|\b00)\s?\d[\d\s().-]{7,}\d|\b0\d[\d\s().-]{8,}\d/, 'a phone number'],
  [/[^\s@]+@[^\s@]+\.[a-z]{2,}/i, 'an email address'],
  [/\b(?:acc(?:ount)?|acct|cust(?:omer)?)[\s#:-]*\d{4,}|\d{8,}/i, 'an account id or a long number'],
];

export function privacyProblems(text: string): string[] {
  return CHECKS.filter(([re]) => re.test(text)).map(([, what]) => `contains ${what}`);
}
