import { formatPounds, poundsToPence } from './money';

describe('pounds typed, pence sent', () => {
  it('reads 5.00 as £5.00, not 5p', () => {
    expect(poundsToPence('5.00')).toBe(500);
    expect(poundsToPence('5')).toBe(500);
    expect(poundsToPence('£5.5')).toBe(550);
    expect(poundsToPence(' 1,250.05 ')).toBe(125005);
    expect(poundsToPence('0.01')).toBe(1);
  });

  it('refuses what is not an amount', () => {
    for (const bad of ['', '0', '0.00', '-5', '5.001', 'five', '5p', '1e3'])
      expect(poundsToPence(bad)).toBeNull();
  });

  it('shows pence as pounds', () => {
    expect(formatPounds(500)).toBe('£5.00');
    expect(formatPounds(125005)).toBe('£1,250.05');
  });
});
