// Bad input is refused by the facade before anything is sent, with a message that names the option and the fix.
import { DeepfenceConfigurationError, type DeepfenceClientOptions } from '../../src/index';
import { createTestClient } from '../support/test-client';

function recordingFetch() {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = async (input) => {
    calls.push(String(input instanceof Request ? input.url : input));
    return new Response('{}', { status: 500 });
  };
  return { calls, fetchImpl };
}

function attempt(options: unknown): DeepfenceConfigurationError {
  const { calls, fetchImpl } = recordingFetch();
  let thrown: unknown;
  try {
    createTestClient((typeof options === 'object' ? { fetch: fetchImpl, ...options } : options) as DeepfenceClientOptions);
  } catch (error) {
    thrown = error;
  }
  expect(calls).toEqual([]);
  expect(thrown).toBeInstanceOf(DeepfenceConfigurationError);
  return thrown as DeepfenceConfigurationError;
}

const base = { baseUrl: 'https://console.example.com', apiKey: 'k-123456' };

describe('createDeepfenceClient refuses bad options at once', () => {
  it.each([
    ['a missing API key', { baseUrl: base.baseUrl }, /apiKey is required/],
    ['an empty API key', { ...base, apiKey: '' }, /apiKey must not be empty/],
    ['a white-space API key', { ...base, apiKey: '  \n' }, /apiKey must not be empty/],
    ['an API key that is not a string', { ...base, apiKey: 42 }, /apiKey is required and must be a string \(or a function returning one\), got number 42/],
    ['a missing baseUrl', { apiKey: base.apiKey }, /baseUrl is required.*https:\/\/console\.example\.com/],
    ['a relative baseUrl', { ...base, baseUrl: '/deepfence' }, /baseUrl must be an absolute http\(s\) URL/],
    ['a baseUrl that is not http(s)', { ...base, baseUrl: 'ftp://console.example.com' }, /baseUrl must use https:\/\//],
    ['a baseUrl with the API path', { ...base, baseUrl: 'https://c.example.com/deepfence/v1.5' }, /without a path.*pass 'https:\/\/c\.example\.com'/],
    ['a baseUrl with credentials', { ...base, baseUrl: 'https://u:p@c.example.com' }, /user name or password/],
    ['an unknown option', { ...base, api_key: 'x' }, /unknown option 'api_key'; did you mean 'apiKey'\?/],
    ['an unknown option with no near name', { ...base, verifySsl: false }, /unknown option 'verifySsl'; known options: baseUrl, apiKey/],
    ['a negative timeout', { ...base, timeoutMs: -1 }, /timeoutMs must be a whole number from 1/],
    ['a huge timeout', { ...base, timeoutMs: 1e12 }, /timeoutMs must be a whole number/],
    ['a fractional maxRetries', { ...base, maxRetries: 1.5 }, /maxRetries must be a whole number from 0 to 10/],
    ['a fetch that is not a function', { ...base, fetch: 'fetch' }, /fetch must be a function/],
    ['a logLevel that does not exist', { ...base, logLevel: 'verbose' }, /logLevel must be one of off, error, warn, info, debug/],
    ['a token store without clear', { ...base, tokenStore: { get() {}, set() {} } }, /tokenStore must have get, set and clear methods; 'clear' is missing/],
    ['options that are not an object', 'https://console.example.com', /options must be an object/],
  ])('%s', (_name, options, message) => {
    expect(attempt(options).message).toMatch(message);
  });

  it('never shows the API key in its message', () => {
    const apiKey = 'secret-key-0123456789';
    const error = attempt({ apiKey, baseUrl: 'not a url' });
    expect(`${error.message}${error.stack}${JSON.stringify(error)}`).not.toContain(apiKey);
  });

  it('trims white space around the API key, as the console does', async () => {
    const bodies: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      bodies.push(await (input as Request).text());
      return Response.json({ data: null, error: { message: 'api_key is required' }, success: false }, { status: 400 });
    };
    const client = createTestClient({ ...base, apiKey: '  k-123456\n', fetch: fetchImpl, logLevel: 'off' });
    await expect(client.authenticateApi()).rejects.toThrow(/400/);
    expect(bodies).toEqual(['{"api_key":"k-123456"}']);
  });
});

describe('call options are checked before sending', () => {
  it.each([
    ['an unknown option', { timeout: 5 }, /call options: unknown option 'timeout'; known options: signal, timeoutMs/],
    ['a signal that is not an AbortSignal', { signal: {} }, /signal must be an AbortSignal/],
    ['a zero timeout', { timeoutMs: 0 }, /timeoutMs must be a whole number from 1/],
  ])('%s', async (_name, options, message) => {
    const { calls, fetchImpl } = recordingFetch();
    const client = createTestClient({ ...base, fetch: fetchImpl });
    await expect(client.getUserDetails(options as never)).rejects.toThrow(message);
    expect(calls).toEqual([]);
  });
});

describe('the raw client', () => {
  it('refuses an authentication request without its body before sending it', async () => {
    const { calls, fetchImpl } = recordingFetch();
    const client = createTestClient({ ...base, fetch: fetchImpl });
    // @ts-expect-error: the spec requires the body, and so do the types
    await expect(client.raw.POST('/deepfence/v1.5/users/auth')).rejects.toThrow(/needs the body \{ api_key \}; or call client\.authenticateApi\(\)/);
    expect(calls).toEqual([]);
  });
});
