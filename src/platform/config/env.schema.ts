import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/**
 * Every environment variable Candor reads, with its default. The README's configuration table mirrors
 * this class; keep them together.
 */
export class EnvSchema {
  @IsIn(['api', 'worker', 'all'])
  CANDOR_ROLE: 'api' | 'worker' | 'all' = 'all';

  @IsString()
  HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL = 'http://localhost:3000';

  @IsString()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/candor';

  @Transform(toBool)
  @IsBoolean()
  DATABASE_AUTO_CREATE = true;

  @Transform(toBool)
  @IsBoolean()
  DATABASE_MIGRATE_ON_START = true;

  @IsString()
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsString()
  @MinLength(1)
  QUEUE_PREFIX = 'candor';

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
}
