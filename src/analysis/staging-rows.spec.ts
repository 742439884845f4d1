import { ExposureMerger } from './exposure-aggregator';
import { stagingRows } from './staging-rows';

const RUN = '0d9b2c1e-5a4f-4c3b-9e8d-7f6a5b4c3d2e';
const pseudonym = (msisdn: string) => msisdn.slice(1).padStart(64, 'a');
const unescape = (s: string) =>
  s.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);

/** The rows as COPY would read them: one array of fields per line, escapes undone. */
function decode(buffers: Buffer[]): string[][] {
  const text = Buffer.concat(buffers).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => line.split('\t').map(unescape));
}

describe('stagingRows', () => {
  it('writes every pair as a COPY text row, across buffers, escaping hosts and spelling out big integers', () => {
    const m = new ExposureMerger();
    const long = 'x'.repeat(900) + '.example'; // longer than a buffer: it gets one of its own
    const odd = 'tab\there\\back\nline.ünï.example';
    const pairs = [
      { msisdn: '+447911123456', host: 'a.example', exposures: 3, first: 1764028800123, last: 1764115199999 },
      { msisdn: '+447911123456', host: odd, exposures: 1, first: 1764028800123, last: 1764115199999 },
      { msisdn: '+447700900001', host: long, exposures: 1234567, first: 0, last: 9007199254740991 },
      {
        msisdn: '+447700900002',
        host: 'a.example',
        exposures: 10,
        first: 1000000000000,
        last: 1000000000000,
      },
    ];
    for (const p of pairs) m.add(p);
    const buffers = [...stagingRows(m, RUN, pseudonym, 400)];
    expect(buffers.length).toBeGreaterThan(2);
    const rows = decode(buffers);
    const expected = Array.from(m.pairs(), (p) => [
      RUN,
      pseudonym(p.msisdn),
      p.host,
      String(p.exposures),
      String(p.first),
      String(p.last),
    ]);
    expect(rows).toEqual(expected);
    expect(rows.map((r) => r[2]).sort()).toEqual(pairs.map((p) => p.host).sort());
    // a number's first and last are the number's, on each of its rows
    expect(rows.filter((r) => r[1] === pseudonym('+447911123456')).map((r) => r[4] + '-' + r[5])).toEqual([
      '1764028800123-1764115199999',
      '1764028800123-1764115199999',
    ]);
  });

  it('makes one pseudonym per number, and nothing for an empty merger', () => {
    const m = new ExposureMerger();
    expect([...stagingRows(m, RUN, pseudonym)]).toEqual([]);
    for (let i = 0; i < 50; i++)
      m.add({
        msisdn: '+4479111234' + String(10 + (i % 5)),
        host: `h${i}.example`,
        exposures: 1,
        first: i,
        last: i,
      });
    const asked: string[] = [];
    const rows = decode([
      ...stagingRows(m, RUN, (n) => {
        asked.push(n);
        return pseudonym(n);
      }),
    ]);
    expect(rows).toHaveLength(50);
    expect(asked.sort()).toEqual([
      '+447911123410',
      '+447911123411',
      '+447911123412',
      '+447911123413',
      '+447911123414',
    ]);
  });
});
