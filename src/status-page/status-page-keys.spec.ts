import { StatusPageService } from './status-page.service';

describe('StatusPageService.keyOf (the fast path and the controller share these keys)', () => {
  const id = '3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f';
  it.each([
    ['/status', 'index:en'],
    ['/status?lang=cy', 'index:cy'],
    ['/status?lang=en', 'index:en'],
    ['/status.json', 'json'],
    ['/status/feed.atom', 'atom'],
    [`/status/incidents/${id}`, `incident:${id}:en`],
    [`/status/incidents/${id}?lang=cy`, `incident:${id}:cy`],
    // the home page, where every message's plain site link lands, is cached the same way
    ['/', 'home:en'],
    ['/?lang=cy', 'home:cy'],
  ])('%s → %s', (url, key) => {
    expect(StatusPageService.keyOf(url)).toBe(key);
  });

  it.each([
    '/status?lang=fr',
    '/status?lang=cy&x=1',
    '/status.json?x',
    '/status/incidents/nope',
    '/statusx',
    '/?lang=fr',
    '/account',
    `/status/incidents/${id}/subscribe`,
  ])('leaves %s to the ordinary route', (url) => {
    expect(StatusPageService.keyOf(url)).toBeNull();
  });
});
