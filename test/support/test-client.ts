// The client every test uses: the real createDeepfenceClient, with a logger and wrappers injected so that
// every error it throws and every line it logs goes through the suite-wide secret check (leak-sink.ts).
import { createDeepfenceClient, type DeepfenceClient, type DeepfenceClientOptions, type Logger } from '../../src/index';
import { checkError, checkText, registerSecret } from './leak-sink';

const CALLS = new Set(['authenticateApi', 'getUserDetails', 'refreshJwtToken', 'resetApiKey', 'logout']);

function checkingLogger(forward: Logger | undefined): Logger {
  const at = (level: keyof Logger) => (message: string, ...rest: unknown[]) => {
    checkText(`log.${level}`, [message, ...rest.map(String)].join(' '));
    forward?.[level](message, ...rest);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function registerResult(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  for (const key of ['api_key', 'access_token', 'refresh_token']) registerSecret((value as Record<string, unknown>)[key]);
}

/**
 * Like createDeepfenceClient. A test that passes its own logger keeps its level and sees every line; a test
 * that passes none gets a silent logger at debug level, so that the check sees as many lines as possible.
 */
export function createTestClient(options: Partial<DeepfenceClientOptions> | unknown): DeepfenceClient {
  const given = (typeof options === 'object' && options !== null ? options : {}) as Partial<DeepfenceClientOptions>;
  registerSecret(given.apiKey);
  // An invalid level is passed through untouched: its validation is under test.
  const validLevel = given.logLevel === undefined || ['off', 'error', 'warn', 'info', 'debug'].includes(given.logLevel);
  const logging = given.logger || !validLevel ? { logger: checkingLogger(given.logger) } : { logger: checkingLogger(undefined), logLevel: 'debug' as const };
  let client: DeepfenceClient;
  try {
    client = createDeepfenceClient((typeof options === 'object' && options !== null ? { ...given, ...logging } : options) as DeepfenceClientOptions);
  } catch (error) {
    checkError('createDeepfenceClient', error);
    throw error;
  }
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || !CALLS.has(property)) return value.bind(target);
      return async (...args: unknown[]) => {
        try {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          registerResult(result);
          return result;
        } catch (error) {
          checkError(property, error);
          throw error;
        }
      };
    },
  });
}
