import { emptyTruth, generateLog, rng } from '../../../bench/log-generator';
import { loadConfig } from '../../platform/config';
import { ByteLineSplitter, LineSplitter } from '../../platform/streams/line-splitter';
import { LineParser, LogRecord, SKIP } from './log-record';
import { createSquidParser, DEFAULT_SQUID_LOGFORMAT } from './squid';

/* The byte parser (the scanner's fast path) must give exactly what the string parser gives on the same
   bytes decoded as latin1: same records, same SKIPs, same malformed lines. */

const allow = new Set(loadConfig({}).analysis.headerAllowlist);
const CUSTOM =
  '%ts.%03tu %>a %Ss/%03>Hs %rm %ru "%{X-MSISDN}>h" "%{Host}>h" %{X-Nokia-MSISDN}>ha "%{X-Network-Info}>h" "%{Referer}>h"';

type Plain = Omit<LogRecord, 'headers'> & { headers: { name: string; value: string }[] };
const plain = (r: LogRecord | typeof SKIP | null): Plain | typeof SKIP | null =>
  r === SKIP || r === null
    ? r
    : {
        time: r.time,
        method: r.method,
        host: r.host,
        outcome: r.outcome,
        headers: r.headers.map((h) => ({ ...h })),
      };

/** Both parsers over the same bytes, split by the same splitter; returns the two record lists. */
function both(input: Buffer, logformat = DEFAULT_SQUID_LOGFORMAT, chunk = 1 << 16) {
  const p: LineParser = createSquidParser(allow, logformat);
  const q: LineParser = createSquidParser(allow, logformat);
  const viaString: unknown[] = [];
  const viaBytes: unknown[] = [];
  const s = new LineSplitter((line) => viaString.push(plain(p.parse(line))));
  const b = new ByteLineSplitter((buf, start, end) => viaBytes.push(plain(q.parseBytes(buf, start, end))));
  for (let i = 0; i < input.length; i += chunk) {
    // a fresh buffer per chunk, as a stream hands them out
    const c = Buffer.from(input.subarray(i, i + chunk));
    s.push(c);
    b.push(c);
  }
  s.end();
  b.end();
  return { viaString, viaBytes };
}

const gen = (seed: number, lines: number, crlf = false) => {
  const truth = emptyTruth();
  const FROM = Date.UTC(2025, 10, 24);
  const out = [
    ...generateLog(
      {
        format: 'squid',
        lines,
        seed,
        start: FROM - 3600_000,
        end: FROM + 86_400_000,
        from: FROM,
        to: FROM + 86_400_000 - 3600_000,
        subscriberBase: 7400000000,
        subscriberCount: 1000,
        partner: 'o2.co.uk',
      },
      truth,
    ),
  ];
  return out.join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n');
};

const TRICKY = [
  // quoting and escapes, in every quoted position
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "agent \\"q\\" x" "447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "agent ""q"" x" "447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "44791\\1123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a\\\\" "447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "" "447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a\\" "447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456\\',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "4479\\r1123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a"b "447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456"x',
  '"1764000000.123" 125 10.1.2.3 "TCP_MISS/200" 5120 "GET" "http://Q.example.com/" - HIER/1 text/html "a" "447911123456"',
  '"176400\\0000.123" 125 10.1.2.3 "TCP_\\HIT/200" 5120 "g\\et" "http://Q.exa\\mple.com/" - HIER/1 text/html "a" "447911123456"',
  // separators
  '1764000000.123\t125\t10.1.2.3\tTCP_MISS/200\t5120\tGET\thttp://a.example.com/\t-\tHIER/1\ttext/html\t"a b"\t"447911123456"',
  '  1764000000.123    125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456"   ',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456" extra',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 "a" "447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example\r.com/ - HIER/1 text/html "a" "447911123456"',
  '   ',
  '#',
  ' # not a comment',
  '\u0000\u00ff\u0013garbage',
  // header values
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "-"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" -',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "%2B447911123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "%E0%A4%A"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "07911 123456"',
  '1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "\u00e9\u00ff" "tel:+447911123456"',
  // times
  ...[
    '1764000000',
    '1764000000.',
    '1764000000.1',
    '1764000000.12',
    '1764000000.1234',
    '1764000000.0005',
    '.5',
    '1e9',
    '0x10',
    '-1',
    '+1764000000.5',
    '0',
    '0.000',
    '0.0004',
    '0.0005',
    '999999999999.999',
    '9999999999999.999',
    '17640000001234567890',
    'Infinity',
    '1764000000.1a',
    '1764000000..1',
    '00001764000000.5',
  ].map(
    (ts) =>
      `${ts} 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456"`,
  ),
  // result codes
  ...[
    'tcp_hit/200',
    'TCP_DeNiEd/403',
    'TCP_MISS_ABORTED/200',
    '_HIT',
    'T',
    '200',
    'TCP_HI',
    'TCP_DENIE/1',
    'TCP_\u00dfHIT',
    'TCP_MISS/hIt',
    'xTCP_HIT',
  ].map(
    (rc) =>
      `1764000000.5 125 10.1.2.3 ${rc} 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456"`,
  ),
  // methods and hosts
  ...[
    'get http://User@Www.Example.com:8080/x?y',
    'CONNECT example.com:443',
    'connect Secure.Example.com:443',
    '- -',
    '\u00ff http://[2001:DB8::1]:80/x',
    'POST http://[2001:db8::1/x',
    'PUT http://example.com./x',
    'GET http://-/x',
    'GET /path?u=http://other.example.org/',
    'GET http://a@b@c.example.com/',
    'GET http://\u00c0b.example.com/',
    'GET http://',
    'GET ://x',
    'GET http:/x',
    'GET example.com#frag',
    'GET [::1]',
    'GET [',
    'OPTIONS *',
  ].map((mu) => `1764000000.5 125 10.1.2.3 TCP_MISS/200 5120 ${mu} - HIER/1 text/html "a" "447911123456"`),
];

const CUSTOM_LINES = [
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "07911 123456" "api.example.org" - "GPRS,447911123456,10.2.3.4" "r"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "-" "API.Example.org:8443" 447911123456 "-" "r"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST http://x.example.com/ "-" "api.example.org" - "-" "447911123456"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "-" "-" - "-" "r"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "a" "a\\"b.example.org" "x\\"y" "\\"" "r"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "a" "" "" "" ""',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "a" - - - -',
];

describe('squid byte parser = string parser', () => {
  it('on generated logs (LF and CRLF, lines across chunk boundaries)', () => {
    for (const crlf of [false, true]) {
      const { viaString, viaBytes } = both(Buffer.from(gen(7, 5000, crlf), 'latin1'), undefined, 4093);
      expect(viaString).toHaveLength(5000);
      expect(viaString.filter((r) => r === null).length).toBeGreaterThan(0);
      expect(viaBytes).toEqual(viaString);
    }
  });

  it('on tricky lines: escapes, separators, times, result codes, methods, hosts, header values', () => {
    const { viaString, viaBytes } = both(Buffer.from(TRICKY.join('\n'), 'latin1'));
    expect(viaString).toHaveLength(TRICKY.length);
    expect(viaBytes).toEqual(viaString);
    // the cases above do reach every outcome (the comparison would be hollow otherwise)
    const kinds = new Set(viaString.map((r) => (r === null ? 'null' : r === SKIP ? 'skip' : 'record')));
    expect([...kinds].sort()).toEqual(['null', 'record', 'skip']);
  });

  it('on a custom logformat with Host, several allow-listed headers and x-network-info', () => {
    const { viaString, viaBytes } = both(Buffer.from(CUSTOM_LINES.join('\r\n'), 'latin1'), CUSTOM);
    expect(viaBytes).toEqual(viaString);
    expect(viaString[0]).toMatchObject({
      host: 'api.example.org',
      headers: [
        { name: 'x-msisdn', value: '07911 123456' },
        { name: 'x-network-info', value: 'GPRS,447911123456,10.2.3.4' },
      ],
    });
  });

  it('on generated lines mangled with quotes, escapes, separators and binary bytes', () => {
    const rand = rng(42);
    const noise = [
      '"',
      '\\',
      ' ',
      '\t',
      '""',
      '-',
      '%',
      ':',
      '/',
      '@',
      '[',
      ']',
      'H',
      'd',
      '.',
      '\u0000',
      '\u00ff',
      '\r',
    ];
    const lines = gen(11, 3000)
      .split('\n')
      .map((l) => {
        for (let k = Math.floor(rand() * 4); k > 0; k--) {
          const at = Math.floor(rand() * (l.length + 1));
          const cut = rand() < 0.3 ? Math.floor(rand() * 3) : 0;
          l = l.slice(0, at) + noise[Math.floor(rand() * noise.length)] + l.slice(at + cut);
        }
        return l;
      });
    for (const format of [DEFAULT_SQUID_LOGFORMAT, CUSTOM]) {
      const { viaString, viaBytes } = both(Buffer.from(lines.join('\n'), 'latin1'), format, 1000);
      expect(viaBytes).toEqual(viaString);
    }
  });

  it('does not carry what it learnt about one buffer into a reused one', () => {
    const p = createSquidParser(allow);
    const buf = Buffer.from(TRICKY[1] + '\n' + TRICKY[0], 'latin1');
    const second = TRICKY[1].length + 1;
    const a = plain(p.parseBytes(buf, second, buf.length));
    // the same buffer refilled: an escape now lies where there was none
    buf.write(TRICKY[0] + '\n' + TRICKY[1], 'latin1');
    expect(plain(p.parseBytes(buf, 0, TRICKY[0].length))).toEqual(a);
    expect(plain(p.parseBytes(buf, 0, TRICKY[0].length))).toEqual(plain(p.parse(TRICKY[0])));
  });
});
