import 'reflect-metadata';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectRoot } from '../paths';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvSchema } from './env.schema';

export type CandorRole = 'api' | 'worker' | 'all' | 'webhooks';

/** Raised at boot when the environment holds a value the schema refuses; the message names each variable. */
export class ConfigError extends Error {}

/** Typed, validated configuration: the only place the rest of the code learns about the environment. */
export class AppConfig {
  readonly role: CandorRole;
  readonly http: {
    host: string;
    port: number;
    backlog: number;
    keepAliveTimeoutMs: number;
    publicBaseUrl: string;
  };
  readonly database: {
    url: string;
    autoCreate: boolean;
    migrateOnStart: boolean;
    poolMax: number;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
    queryTimeoutMs: number;
  };
  readonly redis: { url: string; prefix: string; enqueueTimeoutMs: number };
  readonly requestTimeoutMs: number;
  readonly log: { level: string; file?: string; target: 'stdout' | 'stderr' };
  readonly privacy: {
    pseudonymKey: string;
    defaultCountry: string;
    usingDefaultKey: boolean;
    secretsKey: string;
    usingDefaultSecretsKey: boolean;
  };
  readonly auth: {
    staffTokenTtlMinutes: number;
    staffSessionIdleMinutes: number;
    /** The console's session cookie carries `Secure` (the public address is https). */
    secureCookies: boolean;
    customerTokenTtlMinutes: number;
    otpTtlSeconds: number;
    otpMaxAttempts: number;
    otpMaxPerNumberPerHour: number;
    otpMaxPerIpPerHour: number;
    loginMaxFailures: number;
    loginMaxFailuresPerIp: number;
    loginMaxFailuresPerAccount: number;
    totpRequired: boolean;
    apiKeyMaxDays: number;
    otpMaxFailedChecksPerHour: number;
  };
  readonly production: boolean;
  readonly edge: {
    opsAccess: 'open' | 'token' | 'internal';
    opsToken?: string;
    opsPort: number;
    opsHost: string;
    trustProxy: boolean | number | string;
    jsonLimitBytes: number;
    uploadMaxBytes: number;
    uploadMaxLineBytes: number;
  };
  readonly twilio: {
    accountSid?: string;
    authToken?: string;
    from: string;
    apiBaseUrl?: string;
    sandboxPort: number;
  };
  readonly smtp: {
    url?: string;
    lookupUrl?: string;
    sandboxPort: number;
    from: string;
    maxConnections: number;
  };
  readonly incidents: { reminderLeadMinutes: number; reminderTickSeconds: number; accountIdPattern: RegExp };
  /** The approvals inbox: remind deciders of what has waited this long (0 = off). */
  readonly approvals: { reminderMinutes: number };
  /** What customers may be told: the operator, its official contacts and domains (the privacy and link rules). */
  readonly comms: {
    operatorName: string;
    officialContacts: string[];
    officialDomains: string[];
    /** The first official contact: where customers get more information (breach notices). */
    contactPoint: string;
  };
  readonly statusPage: {
    maxAgeSeconds: number;
    staleSeconds: number;
    refreshSeconds: number;
    readTimeoutMs: number;
    freshWaitMs: number;
    snapshotFile: string | null;
  };
  readonly account: { idleMinutes: number; maxMinutes: number; supportPhone: string; supportHours: string };
  readonly analysis: {
    headerAllowlist: string[];
    workers: number;
    inputDir: string;
    mergeBudgetMb: number;
    partitionFromMb: number;
    spillDir: string;
    taskMb: number;
    stalledIntervalMs: number;
    /** Squid logs through the native scanner (when built); false: the JS parser alone. */
    native: boolean;
  };
  readonly numberChange: {
    provisioningUrl?: string;
    sandboxPort: number;
    provisioningTimeoutMs: number;
    provisioningMaxAttempts: number;
    provisioningRetryDelayMs: number;
    reservationMinutes: number;
    offerCount: number;
    quarantineDays: number;
    slaHours: number;
    requestTtlHours: number;
    sweepSeconds: number;
    holdSignals: string[];
    otpFailureWindowMinutes: number;
    maxRequestsPerIp: number;
    recentChangeDays: number;
    recentPortDays: number;
  };
  readonly notifications: {
    smsMaxSegments: number;
    /** Segments per second of the whole pool (the sum of its senders'); 0 = unlimited. */
    smsRatePerSecond: number;
    /** The senders SMS are spread over, each with its own segment rate (0 = unlimited). */
    smsSenders: SmsSender[];
    emailRatePerSecond: number;
    sendConcurrency: number;
    quietHours: { start: number; end: number } | null;
    quietHoursTz: string;
    secondApprover: boolean;
    repeatWindowHours: number;
    smsCostPencePerSegment: number;
    emailCostPence: number;
    sendStaleSeconds: number;
    callSettleSeconds: number;
    sweepIntervalSeconds: number;
    callbackApplyIntervalMs: number;
    stalledIntervalMs: number;
  };
  readonly compensation: {
    supportMaxPerCredit: number;
    supportMaxPerCustomerPerDay: number;
    supervisorMaxPerCredit: number;
    maxDailyPerCustomer: number;
    maxDailyPerAgent: number;
    offerApprovalPence: number;
  };
  readonly billing: { webhookUrl?: string; webhookSecret?: string; attempts: number; backoffMs: number };
  /** The validated raw values, for modules that add their own variables to EnvSchema. */
  readonly env: EnvSchema;

  constructor(env: EnvSchema) {
    this.env = env;
    this.role = env.CANDOR_ROLE;
    this.http = {
      host: env.HOST,
      port: env.PORT,
      backlog: env.HTTP_LISTEN_BACKLOG,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/$/, ''),
    };
    this.database = {
      url: env.DATABASE_URL,
      autoCreate: env.DATABASE_AUTO_CREATE,
      migrateOnStart: env.DATABASE_MIGRATE_ON_START,
      poolMax: env.DATABASE_POOL_MAX,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    };
    this.redis = {
      url: env.REDIS_URL,
      prefix: env.QUEUE_PREFIX,
      enqueueTimeoutMs: env.QUEUE_ENQUEUE_TIMEOUT_MS,
    };
    this.requestTimeoutMs = env.HTTP_REQUEST_TIMEOUT_MS;
    this.log = { level: env.LOG_LEVEL, file: env.LOG_FILE || undefined, target: env.LOG_TARGET };
    this.privacy = {
      pseudonymKey: env.PSEUDONYM_KEY,
      defaultCountry: env.DEFAULT_COUNTRY.toUpperCase(),
      usingDefaultKey: env.PSEUDONYM_KEY === new EnvSchema().PSEUDONYM_KEY,
      secretsKey: env.SECRETS_KEY,
      usingDefaultSecretsKey: env.SECRETS_KEY === new EnvSchema().SECRETS_KEY,
    };
    this.auth = {
      staffTokenTtlMinutes: env.STAFF_TOKEN_TTL_MINUTES,
      staffSessionIdleMinutes: env.STAFF_SESSION_IDLE_MINUTES,
      secureCookies: env.PUBLIC_BASE_URL.startsWith('https:'),
      customerTokenTtlMinutes: env.CUSTOMER_TOKEN_TTL_MINUTES,
      otpTtlSeconds: env.OTP_TTL_SECONDS,
      otpMaxAttempts: env.OTP_MAX_ATTEMPTS,
      otpMaxPerNumberPerHour: env.OTP_MAX_PER_NUMBER_PER_HOUR,
      otpMaxPerIpPerHour: env.OTP_MAX_PER_IP_PER_HOUR,
      loginMaxFailures: env.LOGIN_MAX_FAILURES,
      loginMaxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      loginMaxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      totpRequired: env.STAFF_TOTP_REQUIRED ?? env.NODE_ENV === 'production',
      apiKeyMaxDays: env.API_KEY_MAX_DAYS,
      otpMaxFailedChecksPerHour: env.OTP_MAX_FAILED_CHECKS_PER_HOUR,
    };
    this.production = env.NODE_ENV === 'production';
    this.edge = {
      opsAccess: env.OPS_ACCESS ?? (this.production ? 'internal' : 'open'),
      opsToken: env.OPS_TOKEN || undefined,
      opsPort: env.OPS_PORT,
      opsHost: env.OPS_HOST,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      jsonLimitBytes: env.HTTP_JSON_LIMIT_BYTES,
      uploadMaxBytes: env.UPLOAD_MAX_BYTES,
      uploadMaxLineBytes: env.UPLOAD_MAX_LINE_BYTES,
    };
    if (this.edge.opsAccess === 'token' && !this.edge.opsToken)
      throw new ConfigError('Invalid configuration:\n  OPS_TOKEN: required when OPS_ACCESS=token');
    this.twilio = {
      accountSid: env.TWILIO_ACCOUNT_SID || undefined,
      authToken: env.TWILIO_AUTH_TOKEN || undefined,
      from: env.TWILIO_FROM,
      apiBaseUrl: env.TWILIO_API_BASE_URL || undefined,
      sandboxPort: env.SANDBOX_TWILIO_PORT,
    };
    this.smtp = {
      url: env.SMTP_URL || undefined,
      lookupUrl: env.SMTP_LOOKUP_URL || undefined,
      sandboxPort: env.SANDBOX_SMTP_PORT,
      from: env.MAIL_FROM,
      maxConnections: env.SMTP_MAX_CONNECTIONS,
    };
    this.incidents = {
      reminderLeadMinutes: env.INCIDENT_REMINDER_LEAD_MINUTES,
      reminderTickSeconds: env.INCIDENT_REMINDER_TICK_SECONDS,
      accountIdPattern: compilePattern('PII_ACCOUNT_ID_PATTERN', env.PII_ACCOUNT_ID_PATTERN),
    };
    this.approvals = { reminderMinutes: env.APPROVAL_REMINDER_MINUTES };
    const list = (v: string) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x && x !== 'none');
    this.account = {
      idleMinutes: env.CUSTOMER_SESSION_IDLE_MINUTES,
      maxMinutes: env.CUSTOMER_SESSION_MAX_MINUTES,
      // One source of the operator's contacts: the phone the pages show is OFFICIAL_CONTACTS' first number.
      supportPhone: list(env.OFFICIAL_CONTACTS).find((c) => !c.includes('@')) ?? '',
      supportHours: env.SUPPORT_HOURS,
    };
    this.comms = {
      operatorName: env.OPERATOR_NAME,
      officialContacts: list(env.OFFICIAL_CONTACTS),
      officialDomains: list(env.OFFICIAL_DOMAINS).map((d) => d.toLowerCase().replace(/^\.+|\.+$/g, '')),
      contactPoint: list(env.OFFICIAL_CONTACTS)[0] ?? '',
    };
    this.statusPage = {
      maxAgeSeconds: env.STATUS_PAGE_MAX_AGE_SECONDS,
      staleSeconds: env.STATUS_PAGE_STALE_SECONDS,
      refreshSeconds: env.STATUS_PAGE_REFRESH_SECONDS,
      readTimeoutMs: env.STATUS_PAGE_READ_TIMEOUT_MS,
      freshWaitMs: env.STATUS_PAGE_FRESH_WAIT_MS,
      snapshotFile:
        env.STATUS_PAGE_SNAPSHOT_FILE === 'off'
          ? null
          : resolve(env.STATUS_PAGE_SNAPSHOT_FILE || join(projectRoot(), 'var', 'status-page-snapshot.json')),
    };
    this.analysis = {
      headerAllowlist: env.ANALYSIS_HEADER_ALLOWLIST.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      workers: env.ANALYSIS_WORKERS || availableParallelism(),
      inputDir: resolve(env.ANALYSIS_INPUT_DIR),
      mergeBudgetMb: env.ANALYSIS_MERGE_BUDGET_MB,
      partitionFromMb: env.ANALYSIS_PARTITION_FROM_MB,
      spillDir: resolve(env.ANALYSIS_SPILL_DIR ?? join(tmpdir(), 'candor-analysis')),
      taskMb: env.ANALYSIS_TASK_MB,
      stalledIntervalMs: env.QUEUE_STALLED_INTERVAL_MS,
      native: env.ANALYSIS_NATIVE !== '0',
    };
    this.numberChange = {
      provisioningUrl: env.PROVISIONING_URL?.replace(/\/$/, '') || undefined,
      sandboxPort: env.SANDBOX_PROVISIONING_PORT,
      provisioningTimeoutMs: env.PROVISIONING_TIMEOUT_MS,
      provisioningMaxAttempts: env.PROVISIONING_MAX_ATTEMPTS,
      provisioningRetryDelayMs: env.PROVISIONING_RETRY_DELAY_MS,
      reservationMinutes: env.NUMBER_RESERVATION_MINUTES,
      offerCount: env.NUMBER_OFFER_COUNT,
      quarantineDays: env.NUMBER_QUARANTINE_DAYS,
      slaHours: env.NUMBER_CHANGE_SLA_HOURS,
      requestTtlHours: env.NUMBER_CHANGE_REQUEST_TTL_HOURS,
      sweepSeconds: env.NUMBER_CHANGE_SWEEP_SECONDS,
      holdSignals: env.NUMBER_CHANGE_HOLD_SIGNALS === 'none' ? [] : env.NUMBER_CHANGE_HOLD_SIGNALS.split(','),
      otpFailureWindowMinutes: env.FRAUD_OTP_WINDOW_MINUTES,
      maxRequestsPerIp: env.FRAUD_MAX_REQUESTS_PER_IP,
      recentChangeDays: env.FRAUD_RECENT_CHANGE_DAYS,
      recentPortDays: env.FRAUD_RECENT_PORT_DAYS,
    };
    const smsSenders = parseSenderPool(env.SMS_SENDERS, env.TWILIO_FROM, env.SMS_RATE_PER_SECOND);
    this.notifications = {
      smsMaxSegments: env.SMS_MAX_SEGMENTS,
      smsRatePerSecond: smsSenders.reduce((sum, x) => sum + x.segmentsPerSecond, 0),
      smsSenders,
      emailRatePerSecond: env.EMAIL_RATE_PER_SECOND,
      sendConcurrency: env.SEND_CONCURRENCY,
      quietHours: parseQuietHours(env.SMS_QUIET_HOURS),
      quietHoursTz: env.QUIET_HOURS_TZ,
      secondApprover: env.CAMPAIGN_SECOND_APPROVER,
      repeatWindowHours: env.CAMPAIGN_REPEAT_WINDOW_HOURS,
      smsCostPencePerSegment: env.SMS_COST_PENCE_PER_SEGMENT,
      emailCostPence: env.EMAIL_COST_PENCE,
      sendStaleSeconds: env.SEND_STALE_SECONDS,
      callSettleSeconds: env.SEND_CALL_SETTLE_SECONDS,
      sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
      callbackApplyIntervalMs: env.CALLBACK_APPLY_INTERVAL_MS,
      stalledIntervalMs: env.QUEUE_STALLED_INTERVAL_MS,
    };
    this.compensation = {
      supportMaxPerCredit: env.COMPENSATION_SUPPORT_MAX_CREDIT_PENCE,
      supportMaxPerCustomerPerDay: env.COMPENSATION_SUPPORT_MAX_DAILY_PENCE,
      supervisorMaxPerCredit: env.COMPENSATION_SUPERVISOR_MAX_CREDIT_PENCE,
      maxDailyPerCustomer: env.COMPENSATION_MAX_DAILY_PER_CUSTOMER_PENCE,
      maxDailyPerAgent: env.COMPENSATION_MAX_DAILY_PER_AGENT_PENCE,
      offerApprovalPence: env.COMPENSATION_OFFER_APPROVAL_PENCE,
    };
    this.billing = {
      webhookUrl: env.BILLING_WEBHOOK_URL || undefined,
      webhookSecret: env.BILLING_WEBHOOK_SECRET || undefined,
      attempts: env.BILLING_WEBHOOK_ATTEMPTS,
      backoffMs: env.BILLING_WEBHOOK_BACKOFF_MS,
    };
    if (this.billing.webhookUrl && !this.billing.webhookSecret)
      throw new ConfigError(
        'Invalid configuration:\n  BILLING_WEBHOOK_SECRET: required when BILLING_WEBHOOK_URL is set (webhooks are signed)',
      );
  }

  /** Serves HTTP (in the webhooks role, only Twilio's callbacks, health and metrics). */
  get runsApi(): boolean {
    return this.role !== 'worker';
  }

  get runsWorker(): boolean {
    return this.role === 'worker' || this.role === 'all';
  }

  get webhooksOnly(): boolean {
    return this.role === 'webhooks';
  }
}

/** Express's `trust proxy`: `true`/`false`, a hop count, or addresses and subnets (comma-separated). */
export function parseTrustProxy(v: string): boolean | number | string {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

function compilePattern(name: string, source: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (e) {
    throw new ConfigError(`Invalid configuration:\n  ${name}: ${(e as Error).message}`);
  }
}

/** One sender of the SMS pool: a sender id or number (`From`) or a Messaging Service SID (`MG...`). */
export interface SmsSender {
  id: string;
  segmentsPerSecond: number;
  messagingService: boolean;
}

/**
 * "Candor:10,+447911123456:10,MG...:100" → the pool; a sender without a rate gets `defaultRate`; "" → `from`
 * alone. Either every sender has a rate or none has (a pool half unlimited has no total to pace to).
 */
export function parseSenderPool(spec: string, from: string, defaultRate: number): SmsSender[] {
  const bad = (why: string) =>
    new ConfigError(`Invalid configuration:\n  SMS_SENDERS=${JSON.stringify(spec)}: ${why}`);
  const items = spec.trim() ? spec.split(',').map((x) => x.trim()) : [from];
  const pool = items.map((item) => {
    const m = item.match(/^([^:\s]+)(?::(\d+))?$/);
    if (!m) throw bad(`"${item}" is not sender[:segmentsPerSecond]`);
    return {
      id: m[1],
      segmentsPerSecond: m[2] === undefined ? defaultRate : Number(m[2]),
      messagingService: /^MG[0-9a-f]{32}$/i.test(m[1]),
    };
  });
  if (new Set(pool.map((x) => x.id)).size !== pool.length) throw bad('a sender is listed twice');
  const limited = pool.filter((x) => x.segmentsPerSecond > 0).length;
  if (limited && limited < pool.length) throw bad('give every sender a rate, or none');
  return pool;
}

/** "21:00-08:00" → minutes after midnight; "" or "off" → no quiet hours. */
function parseQuietHours(v: string): { start: number; end: number } | null {
  if (!v || v === 'off') return null;
  const m = v.match(/^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/);
  if (!m)
    throw new ConfigError(
      `Invalid configuration:\n  SMS_QUIET_HOURS=${JSON.stringify(v)}: use HH:MM-HH:MM or off`,
    );
  return { start: +m[1] * 60 + +m[2], end: +m[3] * 60 + +m[4] };
}

/**
 * Validates an environment (process.env plus overrides) against EnvSchema. Unknown variables are ignored;
 * empty strings count as unset so `FOO=` falls back to the default.
 */
export function loadConfig(raw: Record<string, string | undefined>): AppConfig {
  const known = Object.keys(new EnvSchema());
  const optional = [
    'LOG_FILE',
    'TWILIO_ACCOUNT_SID',
    'TWILIO_AUTH_TOKEN',
    'TWILIO_API_BASE_URL',
    'SMTP_URL',
    'SMTP_LOOKUP_URL',
    'PROVISIONING_URL',
    'BILLING_WEBHOOK_URL',
    'BILLING_WEBHOOK_SECRET',
    'STAFF_TOTP_REQUIRED',
    'OPS_ACCESS',
    'OPS_TOKEN',
  ];
  const picked: Record<string, string> = {};
  for (const key of [...known, ...optional]) {
    const value = raw[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const env = plainToInstance(EnvSchema, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const shown = /KEY|TOKEN|PASSWORD|URL|SECRET/.test(e.property)
        ? '(hidden)'
        : JSON.stringify(picked[e.property]);
      return `  ${e.property}=${shown}: ${Object.values(e.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return new AppConfig(env);
}
