// The fake console must behave like the real server (../shared/reference/deepfence-v1.5-auth.md), or the
// session tests prove nothing. These tests talk to it with plain fetch.
import { FakeConsole, PREFIX } from './server';

let fake: FakeConsole;
beforeAll(async () => {
  fake = await FakeConsole.start();
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; type: string; body: unknown }> {
  const response = await fetch(`${fake.url}${path}`, init);
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, body: type.startsWith('application/json') ? JSON.parse(text) : text };
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const bearer = (token: string, method = 'GET'): RequestInit => ({ method, headers: { Authorization: `Bearer ${token}` } });
const expired = { data: null, error: { code: 'token_expired', message: 'The token has expired' }, success: false };

async function login(): Promise<{ access_token: string; refresh_token: string }> {
  const { body } = await call(`${PREFIX}/users/auth`, json({ api_key: fake.apiKey }));
  return (body as { data: { access_token: string; refresh_token: string } }).data;
}

describe('POST /users/auth', () => {
  it('answers 200 with a token pair for the key, white space stripped', async () => {
    const { status, body } = await call(`${PREFIX}/users/auth`, json({ api_key: ` ${fake.apiKey} ` }));
    expect(status).toBe(200);
    expect(body).toEqual({ data: { access_token: expect.any(String), refresh_token: expect.any(String) }, error: null, success: true });
  });

  it.each([
    ['a body that is not JSON', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' }, 'Missing JSON in request'],
    ['an array', json([1]), 'Request data invalid'],
    ['no api_key', json({}), 'api_key is required'],
    ['an empty api_key', json({ api_key: '' }), 'api_key is required'],
  ])('answers 400 for %s', async (_name, init, message) => {
    expect(await call(`${PREFIX}/users/auth`, init)).toMatchObject({ status: 400, body: { data: null, error: { message }, success: false } });
  });

  it('answers 404 echoing an unknown key, and HTML 400 / 500 for broken JSON and a non-string key', async () => {
    expect(await call(`${PREFIX}/users/auth`, json({ api_key: 'nope' }))).toMatchObject({
      status: 404,
      body: { error: { message: 'user with api_key nope not found' } },
    });
    const broken = await call(`${PREFIX}/users/auth`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
    expect([broken.status, broken.type]).toEqual([400, 'text/html; charset=utf-8']);
    expect((await call(`${PREFIX}/users/auth`, json({ api_key: 123 }))).status).toBe(500);
  });
});

describe('tokens', () => {
  it('are RS256 JWTs with the claims flask-jwt-extended sets, 24 h and 30 days', async () => {
    const pair = await login();
    const [header, payload] = pair.access_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(Object.keys(payload!).sort()).toEqual(['exp', 'fresh', 'iat', 'jti', 'sub', 'type']);
    expect(payload!.type).toBe('access');
    expect((payload!.exp as number) - (payload!.iat as number)).toBe(24 * 3600);
    const refresh = JSON.parse(Buffer.from(pair.refresh_token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number; type: string };
    expect([refresh.type, refresh.exp - refresh.iat]).toEqual(['refresh', 30 * 24 * 3600]);
  });

  it('are refused with the token_expired envelope when expired, forged or of the wrong type', async () => {
    const pair = await login();
    const [h, p] = pair.access_token.split('.');
    expect((await call(`${PREFIX}/users/me`, bearer(`${h}.${p}.Zm9yZ2Vk`))).body).toEqual(expired);
    expect((await call(`${PREFIX}/users/me`, bearer(pair.refresh_token))).body).toEqual(expired);
    expect((await call(`${PREFIX}/users/refresh/token`, bearer(pair.access_token, 'POST'))).body).toEqual(expired);
    fake.clock.advance(24 * 3600 * 1000);
    expect(await call(`${PREFIX}/users/me`, bearer(pair.access_token))).toMatchObject({ status: 401, body: expired });
  });

  it('are refused with a flat {msg} when missing, without Bearer, or revoked', async () => {
    const pair = await login();
    expect((await call(`${PREFIX}/users/me`)).body).toEqual({ msg: 'Missing Authorization Header' });
    expect((await call(`${PREFIX}/users/me`, { headers: { Authorization: `bearer ${pair.access_token}` } })).body).toEqual({
      msg: "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
    });
    fake.revoke(pair.access_token);
    expect(await call(`${PREFIX}/users/me`, bearer(pair.access_token))).toMatchObject({ status: 401, body: { msg: 'Token has been revoked' } });
  });
});

describe('refresh, reset and deactivation', () => {
  it('refresh returns only a new access token; a deactivated user gets 404 while its access token still works', async () => {
    const pair = await login();
    const refreshed = await call(`${PREFIX}/users/refresh/token`, bearer(pair.refresh_token, 'POST'));
    expect(Object.keys((refreshed.body as { data: object }).data)).toEqual(['access_token']);
    fake.deactivateUser();
    expect(await call(`${PREFIX}/users/refresh/token`, bearer(pair.refresh_token, 'POST'))).toMatchObject({
      status: 404,
      body: { error: { message: 'Active user not found' } },
    });
    expect((await call(`${PREFIX}/users/me`, bearer(pair.access_token))).status).toBe(200);
  });

  it('reset returns the new key and tokens; the old key is dead, old tokens keep working and show the old key', async () => {
    const oldKey = fake.apiKey;
    const pair = await login();
    const reset = (await call(`${PREFIX}/users/reset-api-key`, bearer(pair.access_token, 'POST'))).body as { data: Record<string, unknown> };
    expect(reset.data).toMatchObject({ api_key: fake.apiKey, access_token: expect.any(String), refresh_token: expect.any(String), email: 'ada@example.com' });
    expect(reset.data.api_key).not.toBe(oldKey);
    expect((await call(`${PREFIX}/users/auth`, json({ api_key: oldKey }))).status).toBe(404);
    const me = (await call(`${PREFIX}/users/me`, bearer(pair.access_token))).body as { data: { api_key: string } };
    expect(me.data.api_key).toBe(oldKey);
  });
});

describe('framework pages', () => {
  it('answers HTML 404 for an unknown path or a trailing slash, and HTML 405 for a wrong method', async () => {
    expect(await call(`${PREFIX}/users/nope`)).toMatchObject({ status: 404, type: 'text/html; charset=utf-8' });
    expect((await call(`${PREFIX}/users/me/`)).status).toBe(404);
    expect(await call(`${PREFIX}/users/auth`)).toMatchObject({ status: 405, type: 'text/html; charset=utf-8' });
  });

  it('records every request with the token type it carried', async () => {
    const pair = await login();
    await call(`${PREFIX}/users/me`, bearer(pair.access_token));
    await call(`${PREFIX}/users/me`, bearer('garbage'));
    expect(fake.requests.map((r) => [r.endpoint, r.tokenType, r.status])).toEqual([
      ['auth', 'none', 200],
      ['me', 'access', 200],
      ['me', 'invalid', 401],
    ]);
  });
});
