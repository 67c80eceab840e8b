// How long to wait before a retry: exponential back-off with jitter, or the server's Retry-After when it is
// sane. Pure functions, so they can be tested directly and with properties.

export interface BackoffSettings {
  initialDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

/** Delay before retry number `retry` (1-based): initial·2^(retry-1), capped, minus up to 25% jitter. */
export function backoffDelay(retry: number, settings: BackoffSettings, random: number): number {
  const exponential = settings.initialDelayMs * 2 ** Math.max(0, retry - 1);
  const capped = Math.min(settings.maxDelayMs, exponential);
  return Math.round(capped * (1 - 0.25 * Math.min(Math.max(random, 0), 1)));
}

/**
 * Milliseconds a `Retry-After` value asks for (delta-seconds or an HTTP date), or undefined when the
 * value is missing, unreadable or negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names a weekday and GMT; anything else (a negative number, "soon") is unreadable.
  if (!/^[A-Za-z]{3},? .*GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The delay before retry number `retry`: Retry-After when it is within the cap, else the back-off. */
export function retryDelay(retry: number, retryAfter: string | null, now: number, settings: BackoffSettings, random: number): number {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined && asked <= settings.maxRetryAfterMs) return asked;
  return backoffDelay(retry, settings, random);
}
