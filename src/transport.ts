// One place builds, sends, times out, retries and reads every request. The session layer decides which
// credential goes with a call; this layer only carries it and turns every outcome into data or a typed error.
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  DeepfenceApiError,
  DeepfenceError,
  InvalidResponseError,
  NotFoundError,
  RateLimitError,
  RedirectError,
  ServerError,
  TimeoutError,
  type ApiErrorDetails,
  type OperationId,
} from './errors';
import type { Log } from './logger';
import type { Clock } from './options';
import { retryDelay, type BackoffSettings } from './retry-timing';

/** When an operation may be sent again after a failure. */
export type RetryPolicy =
  /** Idempotent: retry on connection errors, timeouts, 408, 429, 502, 503, 504. */
  | 'idempotent'
  /** Has an effect or hands out credentials: retry only when the connection failed before sending. */
  | 'unsent-only'
  /** Must never be repeated automatically (a reset would rotate the key twice). */
  | 'never';

export interface Operation {
  id: OperationId;
  method: 'GET' | 'POST';
  path: string;
  retry: RetryPolicy;
}

/** What openapi-fetch returns when asked for `parseAs: 'text'`. */
export interface RawResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

export type Perform = (init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<RawResult>;

export interface TransportSettings extends BackoffSettings {
  origin: string;
  maxRetries: number;
  clock: Clock;
  random: () => number;
  log: Log;
  redact: (text: string) => string;
}

export interface SendOptions {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  headers: Record<string, string>;
}

const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);
const EXCERPT_LENGTH = 160;

/** Sends an operation, retrying where its policy allows, and returns the envelope's `data`. */
export async function send(op: Operation, perform: Perform, options: SendOptions, settings: TransportSettings): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    let failure: DeepfenceError;
    let retryAfter: string | null = null;
    try {
      return await attemptOnce(op, perform, options, settings, attempt);
    } catch (error) {
      if (!(error instanceof DeepfenceError)) throw error;
      failure = error;
      if (error instanceof DeepfenceApiError) retryAfter = error.retryAfter ?? null;
    }
    if (attempt > settings.maxRetries || !mayRetry(op.retry, failure)) throw failure;
    const delay = retryDelay(attempt, retryAfter, settings.clock.now(), settings, settings.random());
    settings.log.warn?.(`${op.method} ${op.path} failed (${failure.message}); retry ${attempt} of ${settings.maxRetries} in ${delay} ms`);
    try {
      await settings.clock.sleep(delay, options.signal);
    } catch {
      throw new AbortError(`${op.id} was aborted by the caller's signal while waiting to retry`, { operation: op.id });
    }
  }
}

function mayRetry(policy: RetryPolicy, failure: DeepfenceError): boolean {
  if (policy === 'never') return false;
  if (failure instanceof ConnectionError) return policy === 'idempotent' ? !failure.permanent : failure.beforeSend;
  if (policy !== 'idempotent') return false;
  return failure instanceof TimeoutError || (failure instanceof DeepfenceApiError && RETRYABLE_STATUS.has(failure.status));
}

async function attemptOnce(op: Operation, perform: Perform, options: SendOptions, settings: TransportSettings, attempt: number): Promise<unknown> {
  const { signal: callerSignal, timeoutMs } = options;
  if (callerSignal?.aborted) throw new AbortError(`${op.id} was aborted by the caller's signal`, { operation: op.id });
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const forwardAbort = () => controller.abort();
  callerSignal?.addEventListener('abort', forwardAbort, { once: true });
  const started = settings.log.debug ? performance.now() : 0;
  let result: RawResult;
  try {
    // openapi-fetch reads the body before it returns, so the timeout covers the body too.
    result = await perform({ signal: controller.signal, headers: options.headers });
  } catch (error) {
    if (callerSignal?.aborted) throw new AbortError(`${op.id} was aborted by the caller's signal`, { operation: op.id });
    if (timedOut) {
      throw new TimeoutError(`${op.id} timed out after ${timeoutMs} ms (attempt ${attempt}); raise timeoutMs if the console is slow`, { operation: op.id });
    }
    throw connectionError(op, error, settings);
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', forwardAbort);
  }
  const { response } = result;
  settings.log.debug?.(`${op.method} ${op.path} → ${response.status} in ${(performance.now() - started).toFixed(1)} ms (attempt ${attempt})`);
  if (response.status >= 200 && response.status < 300) return readEnvelopeData(op, result, settings);
  throw apiError(op, response, result.error, settings);
}

function readEnvelopeData(op: Operation, { data, response }: RawResult, settings: TransportSettings): unknown {
  const text = typeof data === 'string' ? data : '';
  const contentType = response.headers.get('content-type') ?? '';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const envelope = body as { data?: unknown } | undefined;
  const problem = !/^application\/json\b/i.test(contentType)
    ? `content type '${contentType || 'none'}' instead of application/json`
    : body === undefined
      ? 'a body that is not JSON'
      : typeof envelope !== 'object' || envelope === null || typeof envelope.data !== 'object' || envelope.data === null
        ? 'JSON that is not the expected {data, error, success} envelope'
        : undefined;
  if (problem) {
    throw new InvalidResponseError(`${op.id}: the server answered ${response.status} with ${problem}; is baseUrl the Deepfence console's origin?`, {
      ...responseDetails(op, response, settings),
      bodyExcerpt: excerpt(text, settings),
    });
  }
  return (envelope as { data: unknown }).data;
}

/** Reads the server's message and code from any of its error shapes: envelope, flat `{msg}`, HTML, text. */
function readServerError(body: unknown): { serverMessage?: string; errorCode?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const { error, msg } = body as { error?: unknown; msg?: unknown };
  if (typeof msg === 'string') return { serverMessage: msg };
  if (typeof error === 'string') return { serverMessage: error };
  if (typeof error === 'object' && error !== null) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    return {
      serverMessage: typeof message === 'string' ? message : undefined,
      errorCode: typeof code === 'string' ? code : undefined,
    };
  }
  return {};
}

/**
 * Server-supplied text made safe to show: cut to a bounded length first (a huge body must not make redaction
 * slow; four times the kept length leaves room for masks), redacted, then cut to `max`.
 */
function shown(text: string | null | undefined, max: number, settings: TransportSettings): string | undefined {
  if (text === null || text === undefined) return undefined;
  return settings.redact(text.slice(0, max * 4)).slice(0, max);
}

function responseDetails(op: Operation, response: Response, settings: TransportSettings): ApiErrorDetails {
  return { operation: op.id, status: response.status, requestId: shown(response.headers.get('x-request-id'), 100, settings) };
}

function apiError(op: Operation, response: Response, body: unknown, settings: TransportSettings): DeepfenceApiError {
  const parsed = readServerError(body);
  const serverMessage = shown(parsed.serverMessage, 500, settings);
  const details: ApiErrorDetails = {
    ...responseDetails(op, response, settings),
    serverMessage,
    errorCode: shown(parsed.errorCode, 100, settings),
    bodyExcerpt: parsed.serverMessage === undefined ? excerpt(typeof body === 'string' ? body : (JSON.stringify(body) ?? ''), settings) : undefined,
    retryAfter: shown(response.headers.get('retry-after'), 100, settings) || undefined,
  };
  const status = response.status;
  const said = serverMessage === undefined ? `${status}` : `${status} "${serverMessage}"`;
  const where = `${op.id}: the console answered ${said}`;
  if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) return redirectError(op, response, details, settings);
  if (status === 400) return new BadRequestError(`${where}; the request was malformed: check apiKey`, details);
  if (status === 401) {
    return new AuthenticationError(`${where}; the session's token was refused: authenticate again with a current API key`, details);
  }
  if (status === 404) {
    const fix = serverMessage === undefined
      ? 'is baseUrl the origin of a Deepfence 1.x console?'
      : op.id === 'authenticateApi'
        ? 'no active user has this API key: copy the current one from Settings → User Management'
        : 'the user is no longer active: ask an admin to reactivate it, or use another active user\'s API key';
    return new NotFoundError(`${where}; ${fix}`, details);
  }
  if (status === 429) return new RateLimitError(`${where}; rate limited: retry later`, details);
  if (status >= 500) return new ServerError(`${where}; the console failed: retry later, or check the console's logs`, details);
  return new DeepfenceApiError(`${where}; this status is not part of the API`, details);
}

function redirectError(op: Operation, response: Response, details: ApiErrorDetails, settings: TransportSettings): RedirectError {
  const location = response.headers.get('location');
  let target: URL | undefined;
  try {
    target = location ? new URL(location, settings.origin) : undefined;
  } catch {
    target = undefined;
  }
  const origin = new URL(settings.origin);
  const fix = target?.protocol === 'https:' && origin.protocol === 'http:' && target.hostname === origin.hostname
    ? `the console redirects to https: use baseUrl '${target.origin}'`
    : `the SDK does not follow redirects with credentials; set baseUrl to the console's real origin${target ? ` (it pointed to ${target.origin})` : ''}`;
  return new RedirectError(`${op.id}: the console answered ${response.status} (redirect); ${fix}`, details);
}

const BEFORE_SEND = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED', 'ERR_DEEPFENCE_PIN_MISMATCH',
]);

/** The first `code` along an error's cause chain (undici wraps the socket error in `TypeError: fetch failed`). */
function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function connectionError(op: Operation, error: unknown, settings: TransportSettings): ConnectionError {
  const code = errorCode(error);
  const origin = settings.origin;
  let message: string;
  if (code && CERTIFICATE.has(code)) {
    message = `certificate of ${origin} not trusted (${code}): pass tls.ca with the console's certificate, or tls.pinnedSha256 with its SHA-256 fingerprint; tls.rejectUnauthorized: false also works but lets anyone on the network read the API key`;
  } else if (code === 'ECONNREFUSED') {
    message = `could not connect to ${origin}: connection refused; check baseUrl and that the console is running`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    message = `could not resolve the host of ${origin} (${code}); check baseUrl`;
  } else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
    message = `the connection to ${origin} was reset before an answer came; check the console, or a proxy in between`;
  } else {
    const detail = error instanceof Error ? shown(error.message, 200, settings) : 'unknown error';
    message = `the request to ${origin} failed (${code ?? detail}); check baseUrl, the network and any proxy`;
  }
  const cause = error instanceof Error ? Object.assign(new Error(shown(error.message, 500, settings)), { code }) : undefined;
  return new ConnectionError(`${op.id}: ${message}`, {
    operation: op.id,
    cause,
    beforeSend: code !== undefined && BEFORE_SEND.has(code),
    permanent: code !== undefined && CERTIFICATE.has(code),
  });
}

function excerpt(text: string, settings: TransportSettings): string | undefined {
  // Tags and runs of white space are dropped after redaction, so the excerpt keeps more than EXCERPT_LENGTH first.
  const clean = (shown(text, 4096, settings) ?? '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  return clean.length > EXCERPT_LENGTH ? `${clean.slice(0, EXCERPT_LENGTH)}…` : clean;
}
