import examples from 'libphonenumber-js/examples.mobile.json';
import { rng } from '../../bench/log-generator';
import { mobilePlan } from '../platform/privacy/mobile-number';
import { squidAddon } from './native-scan';

/* The native scanner's mobile test: libphonenumber's pattern compiled to an automaton, against the RegExp. */
describe('native mobile pattern', () => {
  it("compiles every country's mobile pattern, which then answers as the RegExp does", () => {
    const addon = squidAddon();
    if (!addon) throw new Error('the native addon is not built (npm run build:native)');
    const rand = rng(9);
    let valid = 0;
    for (const [country, nsn] of Object.entries(examples as Record<string, string>)) {
      const plan = mobilePlan(country);
      const re = new RegExp(plan.pattern);
      const base = plan.callingCode + nsn;
      // the example, each digit changed, cut short, made longer, random digits, and not digits at all
      const candidates = [
        base,
        base.slice(0, -1),
        base + '0',
        base + '12',
        '0' + base,
        'x' + base,
        '+' + base,
        '',
      ];
      for (let i = 0; i < base.length; i++)
        for (const d of '0123456789') candidates.push(base.slice(0, i) + d + base.slice(i + 1));
      for (let k = 0; k < 200; k++) {
        const len = 6 + Math.floor(rand() * 15);
        let c = rand() < 0.5 ? plan.callingCode : '';
        while (c.length < len) c += Math.floor(rand() * 10);
        candidates.push(c);
      }
      const got = addon.patternTest(plan.pattern, candidates);
      expect({ country, got }).toEqual({ country, got: candidates.map((c) => re.test(c)) });
      valid += got!.filter(Boolean).length;
    }
    expect(valid).toBeGreaterThan(1000);
    // outside the subset: left to the RegExp
    for (const p of ['^44(?:7\\d+)$', '^44[^0]\\d{9}$', '^(44)\\d{10}$', '44\\d{10}', '^44\\d{10}x$'])
      expect(addon.patternTest(p, ['447911123456'])).toBeNull();
  });
});
