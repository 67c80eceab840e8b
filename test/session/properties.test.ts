// Properties of the session's pure parts and of its single-flight rule, over generated inputs and
// generated interleavings (fast-check's scheduler decides when each exchange answers).
import fc from 'fast-check';
import { AuthenticationError } from '../../src/index';
import { needsRefresh, readJwtExpiry } from '../../src/jwt';
import { SecretRegistry } from '../../src/redact';
import { Session, type SessionDeps } from '../../src/session';
import { memoryTokenStore } from '../../src/token-store';
import { FakeClock } from '../fake-console/clock';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;

describe('expiry arithmetic', () => {
  it('reads back any exp it is given, in milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.dictionary(fc.string(), fc.jsonValue()), (exp, extra) => {
        expect(readJwtExpiry(jwt({ ...extra, exp }))).toBe(exp * 1000);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads no expiry from anything that is not a JWT with a positive numeric exp', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => jwt({ exp: typeof v === 'number' && v > 0 ? -v : v }))), (token) => {
        const exp = readJwtExpiry(token);
        expect(exp === undefined || (Number.isFinite(exp) && exp > 0)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('refreshes exactly when the margin reaches the expiry, and is monotonic in time', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat({ max: 86_400_000 }), fc.nat({ max: 86_400_000 }), (expiresAt, now, margin, later) => {
        expect(needsRefresh(expiresAt, now, margin)).toBe(now >= expiresAt - margin);
        if (needsRefresh(expiresAt, now, margin)) expect(needsRefresh(expiresAt, now + later, margin)).toBe(true);
        expect(needsRefresh(undefined, now, margin)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

/** A session whose network calls are scheduled by fast-check; counts exchanges and the most in flight at once. */
function scheduledSession(s: fc.Scheduler, clock: FakeClock, refreshDead: boolean) {
  const stats = { authenticate: 0, refresh: 0, inFlight: 0, maxInFlight: 0 };
  let serial = 0;
  const token = (type: string, ttlS: number) => jwt({ type, exp: Math.floor(clock.now() / 1000) + ttlS, n: serial++ });
  const track = async <T>(run: () => Promise<T>): Promise<T> => {
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    try {
      return await run();
    } finally {
      stats.inFlight--;
    }
  };
  const deps: SessionDeps = {
    apiKey: 'key-0123456789',
    store: memoryTokenStore(),
    clock,
    refreshMarginMs: 60_000,
    secrets: new SecretRegistry(),
    log: { error: undefined, warn: undefined, info: undefined, debug: undefined },
    authenticate: () =>
      track(() => s.schedule(Promise.resolve(), 'authenticate').then(() => {
        stats.authenticate++;
        return { accessToken: token('access', 86_400), refreshToken: token('refresh', 30 * 86_400) };
      })),
    refresh: () =>
      track(() => s.schedule(Promise.resolve(), 'refresh').then(() => {
        stats.refresh++;
        if (refreshDead) throw new AuthenticationError('refresh refused', { status: 401 });
        return token('access', 86_400);
      })),
  };
  return { session: new Session(deps), stats };
}

describe('single flight', () => {
  it('never has two exchanges in flight, and N concurrent callers share one, in any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 30 }), fc.boolean(), async (s, callers, refreshDead) => {
        const clock = new FakeClock();
        const { session, stats } = scheduledSession(s, clock, refreshDead);
        // First wave: lazy authentication.
        const tokens = await s.waitFor(Promise.all(Array.from({ length: callers }, () => session.accessToken())));
        expect(new Set(tokens).size).toBe(1);
        expect(stats.authenticate).toBe(1);
        // Second wave: every caller saw a 401 on that token at once.
        const recovered = await s.waitFor(Promise.all(Array.from({ length: callers }, () => session.recover(tokens[0]!))));
        expect(new Set(recovered).size).toBe(1);
        expect(recovered[0]).not.toBe(tokens[0]);
        expect(stats.refresh).toBe(1);
        expect(stats.authenticate).toBe(refreshDead ? 2 : 1);
        expect(stats.maxInFlight).toBe(1);
      }),
      { numRuns: 1000 },
    );
  });

  it('lets a logout overtake an exchange in flight without being undone by it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { session } = scheduledSession(s, new FakeClock(), false);
        const [call] = await s.waitFor(Promise.allSettled([session.accessToken(), session.logout()]));
        expect(await session.current()).toBeUndefined();
        // The call either got its token before the logout, or learns that the logout cancelled it.
        if (call.status === 'rejected') expect(call.reason).toMatchObject({ kind: 'aborted', message: expect.stringMatching(/logged out while this call waited/) });
      }),
      { numRuns: 100 },
    );
  });
});
