// Reads claims from a JWT without verifying its signature: the client holds no key to verify it with, and
// does not need to. The expiry only decides when to refresh early; the server's 401 stays authoritative.

/** The token's `exp` in milliseconds since the epoch, or undefined when it cannot be read. */
export function readJwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(decodeBase64Url(payload));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function decodeBase64Url(text: string): string {
  if (!/^[\w-]*$/.test(text)) throw new Error('not base64url');
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/**
 * Whether a token must be refreshed before use: it expires within `marginMs` of `now`.
 * A token whose expiry cannot be read is used until the server refuses it.
 */
export function needsRefresh(expiresAt: number | undefined, now: number, marginMs: number): boolean {
  return expiresAt !== undefined && expiresAt - marginMs <= now;
}
