// Every failure the SDK produces is a DeepfenceError. Messages say what happened and what to do; they are
// built only from redacted text, so a message, a stack, `toJSON()` or `util.inspect` never shows a secret.

/** What went wrong, for a `switch` that also works across bundles where `instanceof` may not. */
export type DeepfenceErrorKind =
  | 'configuration'
  | 'bad_request'
  | 'authentication'
  | 'not_found'
  | 'rate_limit'
  | 'server'
  | 'api'
  | 'invalid_response'
  | 'redirect'
  | 'connection'
  | 'timeout'
  | 'aborted'
  | 'token_store';

/** The operations of the authentication API, named as in the spec. */
export type OperationId = 'authenticateApi' | 'getUserDetails' | 'refreshJwtToken' | 'resetApiKey';

export interface DeepfenceErrorOptions {
  operation?: OperationId;
  cause?: unknown;
}

/** Base class of every error the SDK throws. */
export class DeepfenceError extends Error {
  override readonly name: string = 'DeepfenceError';
  readonly kind: DeepfenceErrorKind = 'api';
  /** The operation that failed, when the error comes from a call. */
  readonly operation: OperationId | undefined;

  constructor(message: string, options: DeepfenceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.operation = options.operation;
  }

  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, kind: this.kind, message: this.message };
    for (const [key, value] of Object.entries(this)) if (value !== undefined) json[key] = value;
    if (this.cause instanceof Error) json.cause = { name: this.cause.name, message: this.cause.message };
    return json;
  }
}

/** An option passed to `createDeepfenceClient` (or a call) is missing or wrong. Thrown before any request. */
export class DeepfenceConfigurationError extends DeepfenceError {
  override readonly name: string = 'DeepfenceConfigurationError';
  override readonly kind = 'configuration';
}

export interface ApiErrorDetails extends DeepfenceErrorOptions {
  status: number;
  /** The server's message, redacted. Undefined when the body had none (an HTML page, say). */
  serverMessage?: string;
  /** The server's error code, e.g. `token_expired`. */
  errorCode?: string;
  /** The `X-Request-Id` the server sent, if any. */
  requestId?: string;
  /** A short, redacted excerpt of a body that was not the JSON the spec promises. */
  bodyExcerpt?: string;
  /** The `Retry-After` header, if any. */
  retryAfter?: string;
}

/** The console answered with an error status (or a body the SDK could not read). */
export class DeepfenceApiError extends DeepfenceError {
  override readonly name: string = 'DeepfenceApiError';
  override readonly kind: DeepfenceErrorKind = 'api';
  readonly status: number;
  readonly serverMessage: string | undefined;
  readonly errorCode: string | undefined;
  readonly requestId: string | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly retryAfter: string | undefined;

  constructor(message: string, details: ApiErrorDetails) {
    super(message, details);
    this.status = details.status;
    this.serverMessage = details.serverMessage;
    this.errorCode = details.errorCode;
    this.requestId = details.requestId;
    this.bodyExcerpt = details.bodyExcerpt;
    this.retryAfter = details.retryAfter;
  }
}

/** 400: the request was malformed (e.g. no API key in the body). */
export class BadRequestError extends DeepfenceApiError {
  override readonly name: string = 'BadRequestError';
  override readonly kind = 'bad_request';
}

/** 401: the token was refused, and refreshing and re-authenticating did not help. */
export class AuthenticationError extends DeepfenceApiError {
  override readonly name: string = 'AuthenticationError';
  override readonly kind = 'authentication';
}

/** 404: the API key matches no active user, the user was deactivated, or the URL is not a console's. */
export class NotFoundError extends DeepfenceApiError {
  override readonly name: string = 'NotFoundError';
  override readonly kind = 'not_found';
}

/** 429: a proxy in front of the console is rate-limiting. */
export class RateLimitError extends DeepfenceApiError {
  override readonly name: string = 'RateLimitError';
  override readonly kind = 'rate_limit';
}

/** 5xx: the console or a proxy in front of it failed. */
export class ServerError extends DeepfenceApiError {
  override readonly name: string = 'ServerError';
  override readonly kind = 'server';
}

/** A success status with a body that is not what the spec promises (not JSON, wrong shape). */
export class InvalidResponseError extends DeepfenceApiError {
  override readonly name: string = 'InvalidResponseError';
  override readonly kind = 'invalid_response';
}

/** The console answered with a redirect, which the SDK never follows with a credential attached. */
export class RedirectError extends DeepfenceApiError {
  override readonly name: string = 'RedirectError';
  override readonly kind = 'redirect';
}

/** The request never got an answer: DNS, refused connection, reset, TLS failure. */
export class ConnectionError extends DeepfenceError {
  override readonly name: string = 'ConnectionError';
  override readonly kind = 'connection';
  /** True when the failure happened before the request was sent, so a retry cannot repeat its effect. */
  readonly beforeSend: boolean;
  /** True when retrying cannot help (an untrusted certificate). */
  readonly permanent: boolean;

  constructor(message: string, details: DeepfenceErrorOptions & { beforeSend: boolean; permanent?: boolean }) {
    super(message, details);
    this.beforeSend = details.beforeSend;
    this.permanent = details.permanent ?? false;
  }
}

/** An attempt took longer than `timeoutMs` (headers and body included). */
export class TimeoutError extends DeepfenceError {
  override readonly name: string = 'TimeoutError';
  override readonly kind = 'timeout';
}

/** The caller's `signal` aborted the call. */
export class AbortError extends DeepfenceError {
  override readonly name: string = 'AbortError';
  override readonly kind = 'aborted';
}

/** The `tokenStore` failed to read, write or clear the tokens; the message says which. */
export class TokenStoreError extends DeepfenceError {
  override readonly name: string = 'TokenStoreError';
  override readonly kind = 'token_store';
}
