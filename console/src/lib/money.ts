/**
 * Money is typed in pounds ("5.00", "£5", "5.5") and sent in pence (500). Null when it is not an amount
 * with at most two decimals, or not above zero.
 */
export function poundsToPence(input: string): number | null {
  const s = input.trim().replace(/^£/, '').replace(/,/g, '');
  const m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const pence = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || 0);
  return pence > 0 ? pence : null;
}

export function formatPounds(pence: number): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' }).format(pence / 100);
}
