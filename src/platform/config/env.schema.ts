import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmpty,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

// Mirrors FRAUD_SIGNALS in src/number-change/fraud-rules.ts (platform knows no domain, so it is repeated).
const FRAUD_SIGNAL =
  '(recent_otp_failure|many_requests_from_ip|number_recently_changed|number_recently_ported|email_mismatch)';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/**
 * Every environment variable Candor reads, with its default. The README's configuration table mirrors
 * this class; keep them together.
 */
export class EnvSchema {
  /** `webhooks`: only Twilio's callback routes (and health/metrics), on a process of their own. */
  @IsIn(['api', 'worker', 'all', 'webhooks'])
  CANDOR_ROLE: 'api' | 'worker' | 'all' | 'webhooks' = 'all';

  @IsString()
  HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Connections the kernel queues until the process accepts them (capped by net.core.somaxconn). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  HTTP_LISTEN_BACKLOG = 4096;

  /** How long an idle keep-alive connection stays open: longer than clients' own, so they close first. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 65000;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL = 'http://localhost:3000';

  @IsString()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/candor';

  @Transform(toBool)
  @IsBoolean()
  DATABASE_AUTO_CREATE = true;

  /** Connections per process; PostgreSQL's max_connections is shared by every api and worker process. */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  DATABASE_POOL_MAX = 20;

  @Transform(toBool)
  @IsBoolean()
  DATABASE_MIGRATE_ON_START = true;

  /** Give up opening a PostgreSQL connection after this long (a hung server must not hang requests). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  DATABASE_CONNECT_TIMEOUT_MS = 10000;

  /** Server-side statement_timeout of every connection (0 = none). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  DATABASE_STATEMENT_TIMEOUT_MS = 120000;

  /** Client-side limit on one query's answer (catches a server that stopped answering; 0 = none). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  DATABASE_QUERY_TIMEOUT_MS = 130000;

  /** An HTTP request still unanswered after this long gets a 503 (0 = none). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  HTTP_REQUEST_TIMEOUT_MS = 10000;

  @IsString()
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsString()
  @MinLength(1)
  QUEUE_PREFIX = 'candor';

  /** An API call that adds a job answers 503 after this long without Redis (the row stays; the sweep adds it). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  QUEUE_ENQUEUE_TIMEOUT_MS = 2000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Write logs to this file instead of stdout (tests point it at test-output/). */
  @IsOptional()
  @IsString()
  LOG_FILE?: string;

  /** stdout for services; the CLI uses stderr so `--json` output on stdout stays clean. */
  @IsIn(['stdout', 'stderr'])
  LOG_TARGET: 'stdout' | 'stderr' = 'stdout';

  /** Key for the HMAC pseudonyms of analysis data. The default is for local runs only (a warning is logged). */
  @IsString()
  @MinLength(16)
  PSEUDONYM_KEY = 'candor-local-development-key-change-me';

  /** Key that encrypts secrets kept in the database (staff TOTP seeds). The default is for local runs only (warned). */
  @IsString()
  @MinLength(16)
  SECRETS_KEY = 'candor-local-development-secrets-change-me';

  @IsString()
  @MinLength(2)
  DEFAULT_COUNTRY = 'GB';

  @Type(() => Number)
  @IsInt()
  @Min(5)
  STAFF_TOKEN_TTL_MINUTES = 720;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  STAFF_SESSION_IDLE_MINUTES = 30;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUSTOMER_TOKEN_TTL_MINUTES = 30;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  OTP_TTL_SECONDS = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  OTP_MAX_ATTEMPTS = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  OTP_MAX_PER_NUMBER_PER_HOUR = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  OTP_MAX_PER_IP_PER_HOUR = 30;

  /** Failed staff logins allowed per email per 15 minutes before 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES = 10;

  // --- hardening (issue 18) ---
  /** `production` turns on the safe defaults below (TOTP for supervisors and admins, protected /metrics and /docs). */
  @IsString()
  NODE_ENV = 'development';

  /** Failed staff logins allowed from one IP address (any accounts) per 15 minutes before 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_IP = 50;

  /** Failed logins for one account from all addresses together per 15 minutes (a distributed guess). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ACCOUNT = 100;

  /** Supervisors and admins must sign in with a TOTP code. Unset: on when NODE_ENV=production. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  STAFF_TOTP_REQUIRED?: boolean;

  /** The longest an API key may live. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  API_KEY_MAX_DAYS = 365;

  /**
   * Who may read /metrics and /docs: `open`, `token` (Bearer OPS_TOKEN) or `internal` (only on OPS_PORT).
   * Unset: `internal` when NODE_ENV=production, else `open`.
   */
  @IsOptional()
  @IsIn(['open', 'token', 'internal'])
  OPS_ACCESS?: 'open' | 'token' | 'internal';

  @IsOptional()
  @IsString()
  @MinLength(24)
  OPS_TOKEN?: string;

  /** A second listener for /metrics and /docs (OPS_ACCESS=internal); 0 = none. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  OPS_PORT = 0;

  @IsString()
  OPS_HOST = '127.0.0.1';

  /** Express `trust proxy`: `loopback`, a list of addresses/subnets, a hop count, `true` or `false`. */
  @IsString()
  @MinLength(1)
  TRUST_PROXY = 'loopback';

  /** The largest JSON or form body accepted (bytes). */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  HTTP_JSON_LIMIT_BYTES = 1_048_576;

  /** The largest streamed upload (subscriber or audience CSV, eligibility lists), in bytes. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  UPLOAD_MAX_BYTES = 536_870_912;

  /** The longest line of a streamed upload, in bytes. */
  @Type(() => Number)
  @IsInt()
  @Min(256)
  UPLOAD_MAX_LINE_BYTES = 65_536;

  /** Wrong one-time codes accepted across all numbers per hour before code checks pause (alert). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  OTP_MAX_FAILED_CHECKS_PER_HOUR = 2000;

  // --- providers: empty credentials mean "use the local sandbox / sink started in-process" ---
  @IsOptional()
  @IsString()
  TWILIO_ACCOUNT_SID?: string;

  @IsOptional()
  @IsString()
  TWILIO_AUTH_TOKEN?: string;

  @IsString()
  TWILIO_FROM = 'Candor';

  /** Base URL the twilio client talks to; empty = api.twilio.com with credentials, else the in-process sandbox. */
  @IsOptional()
  @IsString()
  TWILIO_API_BASE_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_TWILIO_PORT = 0;

  /** SMTP URL (smtp://user:pass@host:port); empty = the in-process SMTP sink. */
  @IsOptional()
  @IsString()
  SMTP_URL?: string;

  /**
   * A message lookup by Message-ID (`GET <url>?messageId=<id>` → `{"found": true|false}`), e.g. an adapter over
   * the email service's API. With it, an email whose send was interrupted is looked up, not held; empty with
   * SMTP_URL set = such an email is held as failed (code email:in_doubt), never resent blindly.
   */
  @IsOptional()
  @IsString()
  SMTP_LOOKUP_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_SMTP_PORT = 0;

  @IsString()
  MAIL_FROM = 'Candor Incident Team <incident@candor.test>';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  SMTP_MAX_CONNECTIONS = 5;

  // --- incidents and the status page ---
  /** Minutes before a "next update by" promise that the on-duty comms staff are reminded. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(120)
  INCIDENT_REMINDER_LEAD_MINUTES = 10;

  /** An approval that has waited this long is emailed (and texted) to those who may decide it; 0 = never. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10080)
  APPROVAL_REMINDER_MINUTES = 30;

  /** How often the worker checks promises for due reminders. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600)
  INCIDENT_REMINDER_TICK_SECONDS = 30;

  /** Public text matching this (case-insensitive) is refused as an account id. */
  @IsString()
  @MinLength(1)
  PII_ACCOUNT_ID_PATTERN =
    '\\b(?:acc(?:ount)?|acct|cust(?:omer)?)(?:\\s*(?:no\\.?|number|id|ref))?[\\s#:.-]*\\d{4,}\\b|\\b\\d{8,}\\b';

  /** My account: a signed-in customer's cookie session ends after this long without a request. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(240)
  CUSTOMER_SESSION_IDLE_MINUTES = 15;

  /** My account: and after this long in any case (sign in again). */
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(1440)
  CUSTOMER_SESSION_MAX_MINUTES = 120;

  /** Replaced by OFFICIAL_CONTACTS (one source of the operator's contacts: its first number is the phone the
   *  pages show); set, it stops the start rather than be silently ignored. */
  @IsOptional()
  @IsEmpty({
    message:
      'SUPPORT_PHONE was replaced by OFFICIAL_CONTACTS: put the number there (its first number is shown)',
  })
  SUPPORT_PHONE?: string;

  /** When the official phone (the first number in OFFICIAL_CONTACTS) is answered (shown as written). */
  @IsString()
  SUPPORT_HOURS = '08:00-20:00';

  // --- what customers are told (issue 17) ---
  /** The operator's name, printed in breach notices (Regulation 611/2013 Annex II: the provider's name). */
  @IsString()
  @MinLength(1)
  OPERATOR_NAME = 'Candor Mobile';

  /**
   * The operator's official contacts, comma-separated phone numbers and email addresses: the only ones public
   * text and messages may contain. The first is the contact point printed in breach notices.
   */
  @IsString()
  OFFICIAL_CONTACTS = '0800 123 4567,help@candor.example';

  /** Domains (and their subdomains) links may point to, besides PUBLIC_BASE_URL's host. */
  @IsString()
  OFFICIAL_DOMAINS = 'candor.example';

  /** Cache-Control max-age of public pages (what a CDN may serve without asking). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  STATUS_PAGE_MAX_AGE_SECONDS = 5;

  /** Cache-Control stale-while-revalidate / stale-if-error window. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  STATUS_PAGE_STALE_SECONDS = 60;

  /** Re-render at least this often even without a change (a missed invalidation heals itself). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  STATUS_PAGE_REFRESH_SECONDS = 30;

  /**
   * After a change, a request waits at most this long for the refresh before it is served the last rendering
   * (a periodic refresh is never waited for): fresh at once normally, never held up by a slow database.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  STATUS_PAGE_FRESH_WAIT_MS = 25;

  /** A refresh of the page data that has not answered after this long is given up (the last page is served). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  STATUS_PAGE_READ_TIMEOUT_MS = 2000;

  /**
   * The page data is written here at every refresh; an API started while the database is down serves the
   * status page from it. Empty = var/status-page-snapshot.json under the project root; `off` = none.
   */
  @IsString()
  STATUS_PAGE_SNAPSHOT_FILE = '';

  // --- analysis ---
  /** Request headers that may carry a subscriber's number (comma-separated, case-insensitive). */
  @IsString()
  @MinLength(1)
  ANALYSIS_HEADER_ALLOWLIST =
    'x-up-calling-line-id,x-msisdn,msisdn,x-nokia-msisdn,x-wap-msisdn,x-wap-network-client-msisdn,x-h3g-msisdn,x-network-info';

  /** Scanner threads per analysis; 0 = one per CPU core. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(64)
  ANALYSIS_WORKERS = 0;

  /**
   * Memory for merging a run's per-number totals before they spill to Postgres (which is exact too, but
   * much slower): ~60 bytes a number and 16 a (number, host) pair, twice that with the arrays' room to grow:
   * 64 MB held the benchmark's 151k numbers on 1M pairs in ~50 MB.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(4096)
  ANALYSIS_MERGE_BUDGET_MB = 64;

  /**
   * Inputs at least this large (MB as stored; a gzip file counts 8x) are partitioned by the scanners themselves:
   * each writes its exposures straight into partitioned spill files, with no merge in the main thread during the
   * scan; the finish sums each partition in memory. A national log never fits the merge budget, and merging every
   * exposure twice (in the budget, then from the spills) was half the run's main-thread time. `0`: always.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  ANALYSIS_PARTITION_FROM_MB = 256;

  /**
   * Where a run's (number, host) totals spill when they outgrow the merge budget, and where the tasks of a
   * run spread over worker processes leave their partial totals: storage every worker of a run shares.
   * Default: `candor-analysis` in the OS temporary directory.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  ANALYSIS_SPILL_DIR?: string;

  /** Size of a task of a run spread over worker processes (a byte range of a plain file; gzip/ELFF files go whole). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(4096)
  ANALYSIS_TASK_MB = 128;

  /**
   * `0`: Squid logs are scanned by the JS parser alone (the reference, and an escape hatch). Otherwise the
   * native scanner (native/, `npm run build:native`) takes the lines it is sure of and hands the others to
   * the JS parser, with the same results; when it is not built, the JS parser runs (one warning).
   */
  @IsIn(['0', '1'])
  ANALYSIS_NATIVE: '0' | '1' = '1';

  /** Directory the API may read gateway logs from (`POST /analyses` names files inside it). */
  @IsString()
  @MinLength(1)
  ANALYSIS_INPUT_DIR = 'samples/logs';
  // --- notifications ---
  /** An SMS template longer than this many segments is refused. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  SMS_MAX_SEGMENTS = 3;

  /**
   * SMS: message SEGMENTS per second of each sender of the pool that does not name its own rate (Twilio counts
   * segments: a 2-segment message uses two); email: messages per second. Global across all workers; 0 = unlimited.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SMS_RATE_PER_SECOND = 0;

  /**
   * The SMS sender pool: comma-separated `sender[:segmentsPerSecond]` (an alphanumeric id, a number, or a
   * Messaging Service SID `MG...`); empty = TWILIO_FROM alone at SMS_RATE_PER_SECOND.
   */
  @IsString()
  SMS_SENDERS = '';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  EMAIL_RATE_PER_SECOND = 0;

  /** Sends in flight per worker process and channel. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SEND_CONCURRENCY = 50;

  /** Quiet hours for campaign SMS, HH:MM-HH:MM in QUIET_HOURS_TZ; empty = none. */
  @IsString()
  SMS_QUIET_HOURS = '21:00-08:00';

  @IsString()
  QUIET_HOURS_TZ = 'Europe/London';

  /** A campaign needs a second person (supervisor/admin, not its author) to approve it. */
  @Transform(toBool)
  @IsBoolean()
  CAMPAIGN_SECOND_APPROVER = true;

  /** A campaign's preview counts its audience members who already got the same kind for the same incident
   *  from a campaign started this many hours before (and can leave them out). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CAMPAIGN_REPEAT_WINDOW_HOURS = 72;

  /** Costs used by campaign previews, in pence. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SMS_COST_PENCE_PER_SEGMENT = 3;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  EMAIL_COST_PENCE = 0;

  /** A message "sending" for longer than this is treated as in flight at a crash (checked before resending). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SEND_STALE_SECONDS = 20;

  /**
   * A message handed to the provider is not taken again (nor looked up) until this long after the call began:
   * longer than the providers' request timeouts (Twilio 10 s, SMTP socket 30 s), so a call still on the wire
   * is never raced by a resend.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SEND_CALL_SETTLE_SECONDS = 40;

  /** How often the sweeper looks for rows whose job was lost (Redis flushed, worker killed). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SWEEP_INTERVAL_SECONDS = 15;

  /** How often a worker applies the recorded Twilio delivery callbacks to the outbox (in bulk). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  CALLBACK_APPLY_INTERVAL_MS = 1000;

  /** BullMQ stalled-job check interval (how soon a job of a killed worker is picked up again). */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  QUEUE_STALLED_INTERVAL_MS = 30000;

  // --- compensation (limits in pence; see src/compensation/limits.ts) ---
  @Type(() => Number)
  @IsInt()
  @Min(0)
  COMPENSATION_SUPPORT_MAX_CREDIT_PENCE = 2000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  COMPENSATION_SUPPORT_MAX_DAILY_PENCE = 5000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  COMPENSATION_SUPERVISOR_MAX_CREDIT_PENCE = 20000;

  /** Goodwill credited to one customer per UTC day (all staff together) above which a second person approves. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  COMPENSATION_MAX_DAILY_PER_CUSTOMER_PENCE = 20000;

  /** Goodwill one agent issues per UTC day (all customers) above which a second person approves. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  COMPENSATION_MAX_DAILY_PER_AGENT_PENCE = 50000;

  /** A credit offer whose liability (value x eligible) is above this, or any auto credit offer, needs a second supervisor. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  COMPENSATION_OFFER_APPROVAL_PENCE = 20000;

  /** Where billing webhooks go; unset = the outbox only fills (export it as CSV instead). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  BILLING_WEBHOOK_URL?: string;

  /** HMAC key for billing webhook signatures; required when BILLING_WEBHOOK_URL is set. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  BILLING_WEBHOOK_SECRET?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  BILLING_WEBHOOK_ATTEMPTS = 8;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  BILLING_WEBHOOK_BACKOFF_MS = 2000;

  // --- number change ---
  /** The operator's provisioning API; empty = the in-process provisioning sandbox (dev, tests, demo). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PROVISIONING_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_PROVISIONING_PORT = 0;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  PROVISIONING_TIMEOUT_MS = 5000;

  /** Tries per cutover before it is left for an agent to reschedule. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  PROVISIONING_MAX_ATTEMPTS = 6;

  /** First retry delay; it doubles on each attempt. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  PROVISIONING_RETRY_DELAY_MS = 2000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  NUMBER_RESERVATION_MINUTES = 15;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  NUMBER_OFFER_COUNT = 3;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  NUMBER_QUARANTINE_DAYS = 180;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  NUMBER_CHANGE_SLA_HOURS = 24;

  /** A request still waiting for its email confirmation or number choice after this long expires. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  NUMBER_CHANGE_REQUEST_TTL_HOURS = 24;

  /** How often the sweeper releases expired reservations and quarantines and expires stale requests. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  NUMBER_CHANGE_SWEEP_SECONDS = 60;

  /** Comma-separated fraud signals that hold a request for a supervisor, or `none`. */
  @Matches(new RegExp(`^(none|(${FRAUD_SIGNAL}(,${FRAUD_SIGNAL})*))$`), {
    message: 'must be none or a comma-separated list of fraud signal codes',
  })
  NUMBER_CHANGE_HOLD_SIGNALS =
    'recent_otp_failure,number_recently_changed,number_recently_ported,email_mismatch';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  FRAUD_OTP_WINDOW_MINUTES = 30;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  FRAUD_MAX_REQUESTS_PER_IP = 3;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  FRAUD_RECENT_CHANGE_DAYS = 90;

  /** A number ported in to the operator within this many days is a fraud signal. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  FRAUD_RECENT_PORT_DAYS = 30;
}
