import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { emptyTruth, generateLog, rng } from '../../bench/log-generator';
import { loadConfig } from '../platform/config';
import { mobilePlan } from '../platform/privacy/mobile-number';
import { ByteLineSplitter } from '../platform/streams/line-splitter';
import { ExposureBatch, ExposureBatcher } from './exposure-aggregator';
import { NativeSquidScan, squidAddon } from './native-scan';
import { ScanTask } from './scan-plan';
import { runScanTask, ScanCounts, ScanSettings } from './scan-task';

/* The native Squid scanner against the JS path (ANALYSIS_NATIVE=0: settings.native false), the reference: same counts, same
   malformed samples in the same order, and the same batches (numbers, hosts, times, in order). */

const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 86_400_000;
const CUSTOM =
  '%ts.%03tu %>a %Ss/%03>Hs %rm %ru "%{X-MSISDN}>h" "%{Host}>h" %{X-Nokia-MSISDN}>ha "%{X-Network-Info}>h" "%{MSISDN}>h"';

const settings = (squidLogformat?: string): ScanSettings => ({
  mobile: mobilePlan('GB'),
  allowlist: loadConfig({}).analysis.headerAllowlist,
  squidLogformat,
  from: FROM,
  to: TO,
  partners: ['o2.co.uk', 'ee.co.uk'],
  batchSize: 64, // many batches: their boundaries are compared too
  native: true,
});

const T = '1764000000.123'; // inside the window
const line = (value: string, o: { t?: string; rc?: string; mu?: string; ua?: string } = {}) =>
  `${o.t ?? T} 125 10.1.2.3 ${o.rc ?? 'TCP_MISS/200'} 5120 ${o.mu ?? 'GET http://a.example.com/x'} - HIER/1 text/html "${o.ua ?? 'a'}" "${value}"`;

/** Every case the native side takes or must hand back, with the default format. */
const EDGES = [
  // values: plain, separators, prefixes, invalid, encoded, non-ASCII, lengths
  ...[
    '447911123456',
    '+447911123456',
    '00447911123456',
    '07911123456',
    '07911 123456',
    '07911-123-456',
    '(07911) 123.456',
    'tel:+447911123456',
    'TEL:07911123456',
    'tel:',
    'tel:+',
    ' \t+447911123456\u000b ',
    '+44 7911 123456',
    '0044 (0) 7911 123456',
    '447911123456789',
    '4479111234567890',
    '447911123456789012345',
    '+',
    '0',
    '00',
    '7911',
    'unknown',
    'anonymous',
    '02079460018',
    '+442079460018',
    '447700900123',
    '44 7911 12345a',
    '%2B447911123456',
    '%E0%A4%A',
    '+44791112345\u00e9',
    '\u00a0447911123456',
    '4479111\\23456',
    '447911123456""',
    '',
    '-',
    '--',
    '+0447911123456',
    '447624123456',
    '447781123456',
  ].map((v) => line(v)),
  // quoting and escapes elsewhere on the line
  line('447911123456', { ua: 'agent \\"q\\" x' }),
  line('447911123456', { ua: 'agent ""q"" x' }),
  line('447911123456', { ua: '\u00e9\u00ff' }),
  line('447911123456', { ua: '' }),
  // times: the window, forms the native side reads, forms it leaves to Number()
  ...[
    String(FROM / 1000 - 1),
    String(FROM / 1000),
    (TO / 1000 - 0.001).toFixed(3),
    String(TO / 1000),
    '1764000000',
    '1764000000.',
    '1764000000.1',
    '1764000000.12',
    '1764000000.1234',
    '1e9',
    '0',
    '0.000',
    '-1',
    '+1764000000.5',
    '9999999999999.999',
    '1764000000.1a',
    '00001764000000.5',
    '"1764000000.5"',
    '"1764000000\\.5"',
  ].map((t) => line('447911123456', { t })),
  // result codes
  ...[
    'TCP_HIT/200',
    'tcp_hit/200',
    'TCP_DeNiEd/403',
    'TCP_MEM_HIT/200',
    'TCP_MISS_ABORTED/200',
    'NONE/000',
    '_X',
    '200',
    'xTCP_MISS',
    '"TCP_MISS/200"',
    'TCP_\u00dfHIT',
  ].map((rc) => line('447911123456', { rc })),
  // methods and hosts, partners
  ...[
    'CONNECT a.example.com:443',
    'connect A.example.com:443',
    'CONNECTX a.example.com:443',
    'POST http://User@Www.Example.com:8080/x?y',
    'GET http://wap.o2.co.uk/x',
    'GET http://O2.CO.UK./x',
    'GET http://noto2.co.uk/x',
    'GET http://o2.co.uk.evil.com/x',
    'GET http://[2001:DB8::1]:80/x',
    'GET http://[2001:db8::1/x',
    'GET http://-/x',
    'GET http://',
    'GET /path?u=http://other.example.org/',
    'GET http://\u00c0b.example.com/',
    'GET http://a@b@c.example.com/',
    '- -',
  ].map((mu) => line('447911123456', { mu })),
  // structure: comments, blanks, field counts, quotes
  '',
  '#',
  '# 1764000000.123 125 10.1.2.3 TCP_MISS/200 5120 GET http://a.example.com/ - HIER/1 text/html "a" "447911123456"',
  ' # not a comment',
  '   ',
  '\r',
  '\u0000\u00ff\u0013garbage',
  line('447911123456') + ' extra',
  line('447911123456').replace(' text/html', ''),
  line('447911123456').slice(0, -1),
  line('447911123456').replace(/ /g, '\t'),
  '  ' + line('447911123456') + '  ',
  line('447911123456').replace('http://a.example.com/x', 'http://a.exa\rmple.com/x'),
];

/** The same numbers in several headers, x-network-info, a Host header: the custom format. */
const CUSTOM_EDGES = [
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "07911 123456" "api.example.org" - "GPRS,447911123456,10.2.3.4" "r"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "-" "API.Example.org:8443" 447911123456 "-" "447911123456"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "+447911123456" "api.example.org" 07911123456 "-" "447911654321"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "unknown" "api.example.org" 07911123456 "-" "x"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST http://x.example.com/ "-" "api.example.org" - "-" "447911123456"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "447911123456" "wap.ee.co.uk" - "-" "-"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "447911123456" "-" - "-" "-"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "447911123456" "" - "-" "-"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "447911123456" "\u00c0.example.org" - "-" "-"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "447911123456" "a\\"b.example.org" - "-" "-"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "-" "-" - "-" "r"',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "a" "" "" "" ""',
  '1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "a" - - - -',
];

const generated = (seed: number, lines: number) => [
  ...generateLog(
    {
      format: 'squid',
      lines,
      seed,
      start: FROM - 3600_000,
      end: TO + 3600_000,
      from: FROM,
      to: TO,
      subscriberBase: 7400000000,
      subscriberCount: 2000,
      partner: 'o2.co.uk',
    },
    emptyTruth(),
  ),
];

/** Generated lines with the edge cases strewn among them, a line over 1 MiB, LF or CRLF. */
function corpus(seed: number, edges: string[], crlf: boolean): Buffer {
  const rand = rng(seed);
  const lines = generated(seed, 3000);
  for (const e of edges) lines.splice(Math.floor(rand() * lines.length), 0, e);
  lines.splice(3, 0, line('447911123456', { ua: 'x'.repeat((1 << 20) + 10) })); // among the samples kept
  lines.splice(2000, 0, line('447911123456', { ua: 'y'.repeat((1 << 20) - 200) }));
  return Buffer.from(lines.join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n'), 'latin1');
}

interface Run {
  counts: ScanCounts;
  batches: Omit<ExposureBatch, 'numbers' | 'hosts' | 'times'>[];
  exposures: [number, string, number][];
  progressLines: number;
}

/** One scan, native or JS, with its batches as plain data and its exposures with host names resolved. */
async function scan(
  native: boolean,
  task: ScanTask,
  s: ScanSettings,
  feed?: () => AsyncIterable<Buffer>,
): Promise<Run> {
  const batches: Run['batches'] = [];
  const exposures: Run['exposures'] = [];
  let names: string[] = [];
  let progressLines = 0;
  const counts = await runScanTask(
    task,
    { ...s, native },
    (b) => {
      const { numbers, hosts, times, ...rest } = b;
      batches.push({ ...rest, newHosts: [...rest.newHosts] });
      if (b.hostsReset) names = [];
      names.push(...b.newHosts);
      for (let i = 0; i < b.count; i++) exposures.push([numbers[i], names[hosts[i]], times[i]]);
    },
    (_, lines) => (progressLines += lines),
    feed?.(),
  );
  return { counts, batches, exposures, progressLines };
}

async function* chunked(buf: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield Buffer.from(buf.subarray(i, i + size));
}

async function expectSame(task: ScanTask, s: ScanSettings, feed?: () => AsyncIterable<Buffer>) {
  const js = await scan(false, task, s, feed);
  const c = await scan(true, task, s, feed);
  expect(c.counts).toEqual(js.counts);
  expect(c.exposures).toEqual(js.exposures);
  expect(c.batches).toEqual(js.batches);
  expect(c.progressLines).toBe(js.progressLines);
  return js;
}

describe('native Squid scanner = the JS path', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'native-scan-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is built (else every comparison below would compare the JS path with itself)', () => {
    expect(squidAddon()).not.toBeNull();
  });

  it('on a whole file and in byte ranges, LF and CRLF, every edge case among generated lines', async () => {
    for (const crlf of [false, true]) {
      const buf = corpus(crlf ? 2 : 1, EDGES, crlf);
      const path = join(dir, `edges-${crlf}.log`);
      writeFileSync(path, buf);
      const whole = await expectSame(
        { path, format: 'squid', gzip: false, start: 0, end: buf.length },
        settings(),
      );
      // the cases reach every count (a comparison of zeros would be hollow)
      const c = whole.counts;
      for (const n of [c.linesMalformed, c.exposures, c.partnerExposures, c.invalidValues])
        expect(n).toBeGreaterThan(0);
      const { not_forwarded, ...excluded } = c.excluded; // a Squid line is never "not forwarded"
      expect(not_forwarded).toBe(0);
      for (const n of Object.values(excluded)) expect(n).toBeGreaterThan(0);
      expect(c.malformedSamples).toContain('(line longer than 1 MiB)');
      // ranges that start and end mid-line
      const cuts = [0, 7777, 400_001, 1_500_000, buf.length - 100, buf.length];
      for (let i = 1; i < cuts.length; i++)
        await expectSame(
          { path, format: 'squid', gzip: false, start: cuts[i - 1], end: cuts[i] },
          settings(),
        );
    }
  });

  it('on fed chunks of every size, lines cut anywhere, and gzip', async () => {
    const buf = corpus(3, EDGES, false);
    const path = join(dir, 'fed.log');
    const task: ScanTask = { path, format: 'squid', gzip: false, start: 0, end: buf.length };
    for (const size of [1, 97, 4093, 65_536, 1 << 20]) {
      const small = size < 4093 ? buf.subarray(0, 60_000) : buf; // byte by byte: a short prefix
      await expectSame(task, settings(), () => chunked(small, size));
    }
    const gz = join(dir, 'fed.log.gz');
    writeFileSync(gz, gzipSync(buf));
    await expectSame({ path: gz, format: 'squid', gzip: true, start: 0, end: 0 }, settings());
  });

  it('on a custom logformat: Host header, several allow-listed headers, x-network-info', async () => {
    const rand = rng(5);
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(CUSTOM_EDGES[Math.floor(rand() * CUSTOM_EDGES.length)]);
    const buf = Buffer.from(lines.join('\n') + '\n', 'latin1');
    const path = join(dir, 'custom.log');
    writeFileSync(path, buf);
    const r = await expectSame(
      { path, format: 'squid', gzip: false, start: 0, end: buf.length },
      settings(CUSTOM),
      () => chunked(buf, 1000),
    );
    expect(r.counts.exposures).toBeGreaterThan(0);
    expect(r.counts.partnerHosts['wap.ee.co.uk']).toBeGreaterThan(0);
  });

  it('in the first hours of 1970 (an hour of 0 is an hour like another)', async () => {
    const times = ['1', '1.5', '3599.999', '3600', '7200.5', '7200.5', '86400'];
    const buf = Buffer.from(times.map((t) => line('447911123456', { t })).join('\n') + '\n', 'latin1');
    const path = join(dir, '1970.log');
    writeFileSync(path, buf);
    const r = await expectSame(
      { path, format: 'squid', gzip: false, start: 0, end: buf.length },
      { ...settings(), from: 0 },
    );
    expect(r.counts.hours).toEqual({ '0': 3, '3600000': 1, '7200000': 2, '86400000': 1 });
  });

  /** The corpus through the native scanner alone: what it counted, its batch, the lines it handed back. */
  function nativeOnly(compilePattern: boolean) {
    const s = settings();
    const buf = corpus(4, EDGES, false);
    const batch = new ExposureBatcher(0, 1 << 20);
    const native = NativeSquidScan.create(
      { ...s, allowlist: new Set(s.allowlist), maxLineBytes: 1 << 20, compilePattern },
      batch,
    )!;
    const handedBack: string[] = [];
    const splitter = new ByteLineSplitter(
      (b, start, end) => handedBack.push(b.toString('latin1', start, end)),
      {
        onLines: (b, start, end) => native.lines(b, start, end),
        onOverlong: () => handedBack.push('(overlong)'),
      },
    );
    for (let i = 0; i < buf.length; i += 1 << 16) splitter.push(buf.subarray(i, i + (1 << 16)));
    splitter.end();
    const { numbers, hosts, times, ...rest } = batch.drain();
    const n = rest.count;
    return {
      counts: [...native.counts],
      results: native.results(),
      batch: { ...rest, numbers: numbers.slice(0, n), hosts: hosts.slice(0, n), times: times.slice(0, n) },
      handedBack,
    };
  }

  it('takes most generated lines itself, and hands back the ones it is not sure of', () => {
    const { counts, handedBack } = nativeOnly(true);
    expect(counts[0]).toBeGreaterThan(2800);
    expect(handedBack).toContain(line('447911123456', { ua: 'agent \\"q\\" x' }));
    expect(handedBack).toContain(line('%2B447911123456'));
    expect(handedBack).toContain('(overlong)');
    expect(handedBack).not.toContain(line('07911 123456'));
    expect(handedBack.length).toBeLessThan(300);
  });

  it('gives the same with the JS RegExp answering each distinct candidate as with the compiled pattern', () => {
    const compiled = nativeOnly(true);
    const asked = nativeOnly(false);
    expect(asked).toEqual(compiled);
    expect(compiled.batch.count).toBeGreaterThan(1000);
  });
});
