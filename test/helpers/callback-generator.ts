import { spawn } from 'node:child_process';

export interface CallbackGeneratorOptions {
  /** The base URL the webhook route is under (the app's PUBLIC_BASE_URL: signatures cover the full URL). */
  base: string;
  /** The Twilio auth token the app checks signatures with. */
  token: string;
  rate: number;
  seconds: number;
  /** Message ids first..first+count-1 in turn: the first pass reports "sent", the next "delivered", and so on. */
  first: number;
  count: number;
}

export interface CallbackGeneratorResult {
  sent: number;
  errors: number;
  /** Answers by HTTP status (or network error code). */
  codes: Record<string, number>;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

/** Runs in a child process, so that its CPU is not the event loop of the app it loads. */
const SCRIPT = `
const { getExpectedTwilioSignature } = require('twilio/lib/webhooks/webhooks');
const { base, token, rate, seconds, first, count } = JSON.parse(process.env.GEN);
const lat = []; const codes = {}; let errors = 0; let sent = 0; let n = 0;
const started = Date.now();
const one = async () => {
  const k = n++;
  const id = first + (k % count);
  const path = '/webhooks/twilio/status?m=' + id;
  const params = { MessageSid: 'SMb' + id, MessageStatus: Math.floor(k / count) % 2 ? 'delivered' : 'sent' };
  const sig = getExpectedTwilioSignature(token, base + path, params);
  const t0 = performance.now();
  try {
    const res = await fetch(base + path, { method: 'POST', headers: { 'x-twilio-signature': sig,
      'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
    await res.arrayBuffer();
    codes[res.status] = (codes[res.status] ?? 0) + 1;
    if (res.status >= 300) errors++;
  } catch (e) { errors++; const c = String(e.cause?.code ?? e.message); codes[c] = (codes[c] ?? 0) + 1; }
  lat.push(performance.now() - t0); sent++;
};
const tick = setInterval(() => {
  const due = Math.min(Math.floor(((Date.now() - started) / 1000) * rate), rate * seconds) - n;
  for (let i = 0; i < due; i++) void one();
  if (n >= rate * seconds) {
    clearInterval(tick);
    const wait = setInterval(() => {
      if (sent < n) return;
      clearInterval(wait);
      lat.sort((a, b) => a - b);
      const q = (p) => Number((lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN).toFixed(2));
      const perSecond = sent / ((Date.now() - started) / 1000);
      process.stdout.write(JSON.stringify({ sent, errors, codes, perSecond, p50ms: q(0.5), p99ms: q(0.99) }));
    }, 20);
  }
}, 10);
`;

/**
 * Posts `rate` signed Twilio status callbacks a second for `seconds` (rate × seconds in all, on a schedule, not
 * waiting for answers: Twilio does not slow down for a busy server), and reports the answers and latencies.
 */
export function generateCallbacks(opts: CallbackGeneratorOptions): Promise<CallbackGeneratorResult> {
  const gen = spawn(process.execPath, ['-e', SCRIPT], {
    env: { ...process.env, GEN: JSON.stringify(opts) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  gen.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    gen.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`callback generator exited with ${code}`)),
    ),
  );
}
