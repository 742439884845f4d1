import { isLocale, localeOr, LOCALES } from './locales';

describe('locales', () => {
  it('knows English and Welsh and falls back to English for anything else', () => {
    expect(LOCALES).toEqual(['en', 'cy']);
    expect(isLocale('cy')).toBe(true);
    expect(isLocale('fr')).toBe(false);
    expect(localeOr('cy')).toBe('cy');
    expect(localeOr('CY')).toBe('en');
    expect(localeOr(undefined)).toBe('en');
  });
});
