/** The languages Candor speaks to customers (templates, pages, subscriber records): the one list. */
export const LOCALES = ['en', 'cy'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(x: unknown): x is Locale {
  return (LOCALES as readonly unknown[]).includes(x);
}

/** `x` when it is one of LOCALES, else the default (English). */
export function localeOr(x: unknown): Locale {
  return isLocale(x) ? x : DEFAULT_LOCALE;
}
