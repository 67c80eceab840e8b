// Session behaviour when the console (or a proxy in front of it) fails in ways the spec does not document:
// these talk to the fake console directly, since Prism would rightly flag the scripted 503s.
import { ServerError } from '../../src/index';
import { ACCESS_LIFETIME_S } from '../fake-console/server';
import { useFakeConsole } from './harness';

const h = useFakeConsole({ behindPrism: false });

describe('a session through failures', () => {
  it('shares a failed refresh with every waiting caller, and tries afresh on the next call', async () => {
    const client = h.client({ maxRetries: 0 });
    await client.getUserDetails();
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 + 1000);
    h.fake.fail('refresh', { kind: 'status', status: 503 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => client.getUserDetails()));
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof ServerError)).toBe(true);
    expect(h.fake.seen('refresh')).toHaveLength(1);
    await expect(client.getUserDetails()).resolves.toMatchObject({ email: 'ada@example.com' });
    expect(h.fake.seen('refresh').map((r) => r.status)).toEqual([503, 200]);
  });

  it('keeps a still-valid token when an early refresh fails for a reason other than auth', async () => {
    const client = h.client({ maxRetries: 0, refreshMarginMs: 10 * 60_000 });
    await client.getUserDetails();
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 - 5 * 60_000);
    h.fake.fail('refresh', { kind: 'status', status: 503 });
    await expect(client.getUserDetails()).resolves.toMatchObject({ email: 'ada@example.com' });
    expect(h.fake.requests.slice(2).map((r) => [r.endpoint, r.status])).toEqual([
      ['refresh', 503],
      ['me', 200],
    ]);
  });
  it('is not retried when it fails', async () => {
    const client = h.client({ maxRetries: 2 });
    await client.authenticateApi();
    h.fake.fail('reset', { kind: 'status', status: 503 }, 3);
    await expect(client.resetApiKey()).rejects.toBeInstanceOf(ServerError);
    expect(h.fake.seen('reset')).toHaveLength(1);
  });

});
