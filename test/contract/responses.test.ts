// Spec-driven contract tests against a Prism mock of the spec: every operation × every documented status
// × every example goes through the facade, and what it returns or throws is checked against the example.
// A response added to the spec without an expectation here, or one deleted from it, fails the run.
import {
  AuthenticationError,
  BadRequestError,
  DeepfenceApiError,
  NotFoundError,
  type DeepfenceClient,
} from '../../src/index';
import type { OperationId } from '../../src/errors';
import { documentedResponses, type DocumentedResponse } from '../support/spec';
import { createTestClient } from '../support/test-client';

const PRISM_URL = process.env.PRISM_URL!;
const API_KEY = '00000000-0000-4000-8000-000000000001';

type Expectation = { success: true } | { error: new (...args: never[]) => DeepfenceApiError };

/** What the facade must do with each documented answer. Keys are `operationId status`. */
const EXPECTED: Record<string, Expectation> = {
  'authenticateApi 200': { success: true },
  'authenticateApi 400': { error: BadRequestError },
  'authenticateApi 404': { error: NotFoundError },
  'getUserDetails 200': { success: true },
  'getUserDetails 401': { error: AuthenticationError },
  'refreshJwtToken 200': { success: true },
  'refreshJwtToken 401': { error: AuthenticationError },
  'refreshJwtToken 404': { error: NotFoundError },
  'resetApiKey 200': { success: true },
  'resetApiKey 401': { error: AuthenticationError },
};

const CALL: Record<OperationId, (client: DeepfenceClient) => Promise<unknown>> = {
  authenticateApi: (c) => c.authenticateApi(),
  getUserDetails: (c) => c.getUserDetails(),
  refreshJwtToken: (c) => c.refreshJwtToken(),
  resetApiKey: (c) => c.resetApiKey(),
};

interface Seen {
  path: string;
  authorization: string | null;
  violations: string | null;
}

/** A client whose requests to `target.path` ask Prism for `target.status` (and the example), recording every exchange. */
function clientFor(target: DocumentedResponse, example: string | undefined) {
  const seen: Seen[] = [];
  const fetchWithPrefer: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname === target.path) {
      request.headers.set('Prefer', example ? `code=${target.status}, example=${example}` : `code=${target.status}`);
    }
    const response = await fetch(request);
    seen.push({ path: new URL(request.url).pathname, authorization: request.headers.get('authorization'), violations: response.headers.get('sl-violations') });
    return response;
  };
  const client = createTestClient({ baseUrl: PRISM_URL, apiKey: API_KEY, fetch: fetchWithPrefer, maxRetries: 0, logLevel: 'off' });
  return { client, seen };
}

const cases = documentedResponses().flatMap((response) => response.examples.map((example) => ({ response, example })));

describe('the spec and the expectations cover each other', () => {
  it('every documented response has an expectation', () => {
    const documented = [...new Set(documentedResponses().map((r) => `${r.operationId} ${r.status}`))];
    expect(documented.filter((key) => !(key in EXPECTED))).toEqual([]);
  });

  it('every expectation is a documented response', () => {
    const documented = new Set(documentedResponses().map((r) => `${r.operationId} ${r.status}`));
    expect(Object.keys(EXPECTED).filter((key) => !documented.has(key))).toEqual([]);
  });

  it('every operation of the facade is in the spec, and every operation of the spec is in the facade', () => {
    expect([...new Set(documentedResponses().map((r) => r.operationId))].sort()).toEqual(Object.keys(CALL).sort());
  });
});

describe.each(cases)('$response.operationId answers $response.status ($example.name)', ({ response, example }) => {
  const expectation = EXPECTED[`${response.operationId} ${response.status}`];

  it('is handled as documented, and Prism saw no violation', async () => {
    expect(expectation).toBeDefined();
    const { client, seen } = clientFor(response, example.name);
    const outcome = await CALL[response.operationId](client).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const body = example.value as { data?: unknown; error?: { message?: string; code?: string } | null; msg?: string };
    if ('success' in expectation!) {
      expect(outcome).toEqual({ value: body.data });
    } else {
      expect('error' in outcome).toBe(true);
      const error = (outcome as { error: DeepfenceApiError }).error;
      expect(error).toBeInstanceOf(expectation!.error);
      expect(error.status).toBe(response.status);
      expect(error.operation).toBe(response.operationId);
      const serverMessage = body.error?.message ?? body.msg!;
      // The console echoes the API key in its 404 message; the SDK must not.
      const echoedKey = /api_key (\S+?) not found/.exec(serverMessage)?.[1];
      expect(error.serverMessage).toBe(echoedKey ? serverMessage.replace(echoedKey, '***') : serverMessage);
      expect(error.errorCode).toBe(body.error?.code);
      if (echoedKey) expect(JSON.stringify(error) + error.message + error.stack).not.toContain(echoedKey);
    }
    expect(seen.filter((s) => s.violations)).toEqual([]);
  });
});

describe('credentials in the contract flow', () => {
  it('sends no Authorization to /users/auth, the refresh token to refresh and the access token elsewhere', async () => {
    const reset = documentedResponses().find((r) => r.operationId === 'resetApiKey' && r.status === 200)!;
    const { client, seen } = clientFor(reset, undefined);
    await client.getUserDetails();
    await client.refreshJwtToken();
    await client.resetApiKey();
    const auth = documentedResponses().find((r) => r.operationId === 'authenticateApi' && r.status === 200)!;
    const pair = (auth.examples[0]!.value as { data: { access_token: string; refresh_token: string } }).data;
    const refreshed = (documentedResponses().find((r) => r.operationId === 'refreshJwtToken' && r.status === 200)!.examples[0]!.value as {
      data: { access_token: string };
    }).data;
    expect(seen.map((s) => [s.path.replace('/deepfence/v1.5', ''), s.authorization])).toEqual([
      ['/users/auth', null],
      ['/users/me', `Bearer ${pair.access_token}`],
      ['/users/refresh/token', `Bearer ${pair.refresh_token}`],
      ['/users/reset-api-key', `Bearer ${refreshed.access_token}`],
    ]);
  });
});
