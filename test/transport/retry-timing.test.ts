// Back-off and Retry-After are pure functions: checked directly, and over generated inputs.
import fc from 'fast-check';
import { backoffDelay, parseRetryAfter, retryDelay } from '../../src/retry-timing';
import { proxyFor } from '../../src/platform/proxy-env';

const settings = { initialDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

describe('Retry-After', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 7 ', 7000],
    [new Date(NOW + 30_000).toUTCString(), 30_000],
    [new Date(NOW - 30_000).toUTCString(), 0],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it('is never negative and never NaN, whatever the header says', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), (value) => {
        const ms = parseRetryAfter(value, NOW);
        expect(ms === undefined || (Number.isFinite(ms) && ms >= 0)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the delay before a retry', () => {
  it('doubles from initialDelayMs, never above maxDelayMs, with at most 25% jitter', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, settings, 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffDelay(1, settings, 1)).toBe(375);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (retry, random) => {
        const delay = backoffDelay(retry, settings, random);
        const full = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** (retry - 1));
        expect(delay).toBeLessThanOrEqual(full);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(full * 0.75));
      }),
      { numRuns: 1000 },
    );
  });

  it('follows a Retry-After within the cap, and falls back to the back-off beyond it or when unreadable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.option(fc.string()), fc.integer({ min: -10, max: 10_000 }), (retry, text, seconds) => {
        for (const header of [text, String(seconds)]) {
          const delay = retryDelay(retry, header, NOW, settings, 0.5);
          const asked = parseRetryAfter(header, NOW);
          const expected = asked !== undefined && asked <= settings.maxRetryAfterMs ? asked : backoffDelay(retry, settings, 0.5);
          expect(delay).toBe(expected);
          expect(delay).toBeLessThanOrEqual(settings.maxRetryAfterMs);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('proxies from the environment', () => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://plain:8080' };
  it.each([
    ['https://console.example.com', {}, undefined],
    ['https://console.example.com', env, 'http://proxy:3128/'],
    ['http://console.example.com', env, 'http://plain:8080/'],
    ['https://console.example.com', { ...env, https_proxy: 'proxy.lower:1' }, 'http://proxy.lower:1/'],
    ['https://console.example.com', { ...env, NO_PROXY: 'example.com' }, undefined],
    ['https://console.example.com', { ...env, NO_PROXY: '.example.com' }, undefined],
    ['https://console.example.com', { ...env, NO_PROXY: '*.example.com' }, undefined],
    ['https://console.example.com', { ...env, NO_PROXY: 'ample.com' }, 'http://proxy:3128/'],
    ['https://console.example.com:8443', { ...env, NO_PROXY: 'console.example.com:443' }, 'http://proxy:3128/'],
    ['https://console.example.com:8443', { ...env, NO_PROXY: 'console.example.com:8443' }, undefined],
    ['https://10.0.0.5', { ...env, no_proxy: 'localhost, 10.0.0.5' }, undefined],
    ['https://10.0.0.5', { ...env, NO_PROXY: '*' }, undefined],
  ])('%s with %j → %s', (origin, environment, expected) => {
    expect(proxyFor(origin, environment as Record<string, string>)).toBe(expected);
  });

  it('refuses a proxy variable that is not an http(s) URL, naming it', () => {
    expect(() => proxyFor('https://c.example.com', { HTTPS_PROXY: 'socks5://p:1080' })).toThrow(/HTTPS_PROXY must be an http\(s\) proxy URL/);
  });
});
