import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('has working defaults for this machine', () => {
    const c = loadConfig({});
    expect(c.role).toBe('all');
    expect(c.http.port).toBe(3000);
    expect(c.database.url).toBe('postgres://postgres@127.0.0.1:5432/candor');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.privacy.usingDefaultKey).toBe(true);
    expect(c.runsApi && c.runsWorker).toBe(true);
  });

  it('coerces numbers and booleans, treats empty as unset', () => {
    const c = loadConfig({
      PORT: '8080',
      DATABASE_AUTO_CREATE: 'false',
      CANDOR_ROLE: 'worker',
      LOG_FILE: '',
    });
    expect(c.http.port).toBe(8080);
    expect(c.database.autoCreate).toBe(false);
    expect(c.runsApi).toBe(false);
    expect(c.log.file).toBeUndefined();
  });

  it('fails fast naming every bad variable, hiding secrets', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', CANDOR_ROLE: 'everything', PSEUDONYM_KEY: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT="eighty"');
    expect(msg).toContain('CANDOR_ROLE="everything"');
    expect(msg).toContain('PSEUDONYM_KEY=(hidden)');
    expect(msg).not.toContain('short');
  });

  it('reads compensation limits and refuses an unsigned billing webhook', () => {
    const c = loadConfig({ COMPENSATION_SUPPORT_MAX_CREDIT_PENCE: '1500' });
    expect(c.compensation).toEqual({
      supportMaxPerCredit: 1500,
      supportMaxPerCustomerPerDay: 5000,
      supervisorMaxPerCredit: 20000,
      maxDailyPerCustomer: 20000,
      maxDailyPerAgent: 50000,
      offerApprovalPence: 20000,
    });
    expect(c.billing.webhookUrl).toBeUndefined();
    expect(() => loadConfig({ BILLING_WEBHOOK_URL: 'http://billing.local/hook' })).toThrow(
      /BILLING_WEBHOOK_SECRET: required/,
    );
    expect(() => loadConfig({ COMPENSATION_SUPPORT_MAX_DAILY_PENCE: '-1' })).toThrow(
      /COMPENSATION_SUPPORT_MAX_DAILY_PENCE="-1"/,
    );
  });
});

describe('number-change configuration', () => {
  it('defaults, and parses the hold rules', () => {
    const c = loadConfig({});
    expect(c.numberChange).toMatchObject({ reservationMinutes: 15, quarantineDays: 180, slaHours: 24 });
    expect(c.numberChange.provisioningUrl).toBeUndefined();
    expect(c.numberChange).toMatchObject({ recentChangeDays: 90, recentPortDays: 30 });
    expect(c.numberChange.holdSignals).toContain('number_recently_ported');
    expect(loadConfig({ FRAUD_RECENT_PORT_DAYS: '7' }).numberChange.recentPortDays).toBe(7);
    expect(loadConfig({ NUMBER_CHANGE_HOLD_SIGNALS: 'none' }).numberChange.holdSignals).toEqual([]);
    expect(
      loadConfig({ NUMBER_CHANGE_HOLD_SIGNALS: 'email_mismatch,many_requests_from_ip' }).numberChange
        .holdSignals,
    ).toEqual(['email_mismatch', 'many_requests_from_ip']);
    expect(loadConfig({ PROVISIONING_URL: 'http://prov.local:8080/' }).numberChange.provisioningUrl).toBe(
      'http://prov.local:8080',
    );
  });

  it('refuses unknown hold signals', () => {
    expect(() => loadConfig({ NUMBER_CHANGE_HOLD_SIGNALS: 'email_mismatch,vibes' })).toThrow(
      'NUMBER_CHANGE_HOLD_SIGNALS',
    );
  });
});
describe('hardening configuration (issue 18)', () => {
  it('has safe production defaults and open development ones', () => {
    const dev = loadConfig({});
    expect(dev.production).toBe(false);
    expect(dev.auth.totpRequired).toBe(false);
    expect(dev.edge.opsAccess).toBe('open');
    expect(dev.edge.trustProxy).toBe('loopback');
    const prod = loadConfig({ NODE_ENV: 'production' });
    expect(prod.auth.totpRequired).toBe(true);
    expect(prod.edge.opsAccess).toBe('internal');
    expect(loadConfig({ NODE_ENV: 'production', STAFF_TOTP_REQUIRED: 'false' }).auth.totpRequired).toBe(
      false,
    );
  });

  it('parses TRUST_PROXY and wants a token for OPS_ACCESS=token', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).edge.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).edge.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).edge.trustProxy).toBe('10.0.0.0/8, loopback');
    expect(() => loadConfig({ OPS_ACCESS: 'token' })).toThrow(/OPS_TOKEN: required/);
    expect(() => loadConfig({ OPS_ACCESS: 'token', OPS_TOKEN: 'short' })).toThrow(/OPS_TOKEN/);
  });
});

describe('the SMS sender pool', () => {
  it('is TWILIO_FROM alone at SMS_RATE_PER_SECOND segments by default', () => {
    const c = loadConfig({ TWILIO_FROM: 'Candor', SMS_RATE_PER_SECOND: '10' });
    expect(c.notifications.smsSenders).toEqual([
      { id: 'Candor', segmentsPerSecond: 10, messagingService: false },
    ]);
    expect(c.notifications.smsRatePerSecond).toBe(10);
  });

  it('lists senders with their own rates (or the default), a Messaging Service by its SID; the total is the sum', () => {
    const mg = 'MG' + 'a'.repeat(32);
    const c = loadConfig({ SMS_SENDERS: `Candor:10, +447911123456 ,${mg}:100`, SMS_RATE_PER_SECOND: '10' });
    expect(c.notifications.smsSenders).toEqual([
      { id: 'Candor', segmentsPerSecond: 10, messagingService: false },
      { id: '+447911123456', segmentsPerSecond: 10, messagingService: false },
      { id: mg, segmentsPerSecond: 100, messagingService: true },
    ]);
    expect(c.notifications.smsRatePerSecond).toBe(120);
  });

  it('refuses a malformed item, a repeated sender, and a pool only partly limited', () => {
    expect(() => loadConfig({ SMS_SENDERS: 'Candor:ten' })).toThrow(/SMS_SENDERS/);
    expect(() => loadConfig({ SMS_SENDERS: 'Candor:10,Candor:20' })).toThrow(/twice/);
    expect(() => loadConfig({ SMS_SENDERS: 'Candor:10,Other' })).toThrow(/every sender a rate/);
  });
});
