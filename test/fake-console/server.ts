// A loopback HTTP server that behaves like the auth endpoints of a real Deepfence 1.x console, as
// ../shared/reference/deepfence-v1.5-auth.md describes them: the envelope, the flat {msg} 401s, the
// token_expired envelope for expired, forged and wrong-type tokens, a jti allow-list for revocation, reset
// that rotates the key without revoking tokens, Werkzeug-style HTML for unknown paths, wrong methods and
// crashes. Tests change its state, script faults and read the record of every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { FakeClock } from './clock';
import { TokenIssuer, type Claims, type TokenType } from './tokens';
import { registerSecret } from '../support/leak-sink';

export const PREFIX = '/deepfence/v1.5';
export type Endpoint = 'auth' | 'me' | 'refresh' | 'reset';
const ROUTES: Record<string, { endpoint: Endpoint; method: string }> = {
  [`${PREFIX}/users/auth`]: { endpoint: 'auth', method: 'POST' },
  [`${PREFIX}/users/me`]: { endpoint: 'me', method: 'GET' },
  [`${PREFIX}/users/refresh/token`]: { endpoint: 'refresh', method: 'POST' },
  [`${PREFIX}/users/reset-api-key`]: { endpoint: 'reset', method: 'POST' },
};

/** The endpoint a path names, or 'unknown'. */
export function endpointFor(path: string): Endpoint | 'unknown' {
  return ROUTES[path]?.endpoint ?? 'unknown';
}

export const ACCESS_LIFETIME_S = 24 * 3600;
export const REFRESH_LIFETIME_S = 30 * 24 * 3600;

/** One scripted misbehaviour, used for the next matching response instead of the real answer. */
export type Fault =
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'truncated' }
  | { kind: 'html'; status: number };

export interface RecordedRequest {
  endpoint: Endpoint | 'unknown';
  method: string;
  path: string;
  /** The type of the Bearer token sent, as the server decoded it; 'none' without one, 'invalid' if it did not verify. */
  tokenType: TokenType | 'none' | 'invalid';
  /** The Bearer token sent, if any. */
  token: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** What the server answered (0 for a reset connection or a hang). */
  status: number;
}

export interface User {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  company: string;
  role: 'admin' | 'user' | 'read_only_user';
  api_key: string;
  isActive: boolean;
}

const bearerToken = (authorization: string | undefined) => /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
const envelope = (data: unknown, error: unknown, status: number) => ({ data, error, success: status >= 200 && status < 400 });

function html(status: number, title: string, text: string): string {
  return `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${text}</p>\n`;
}
const HTML_PAGES: Record<number, [string, string]> = {
  400: ['Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'],
  404: ['Not Found', 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.'],
  405: ['Method Not Allowed', 'The method is not allowed for the requested URL.'],
  500: ['Internal Server Error', 'The server encountered an internal error and was unable to complete your request.'],
};

export interface FakeConsoleOptions {
  /** Where each new clock starts (at start and at every reset). Default: 2026-01-01, far from today. */
  clockStart?: () => number;
  apiKey?: string;
  /** Serve HTTPS with these options (key, cert, and requestCert/ca to check client certificates). */
  tls?: HttpsOptions;
}

export class FakeConsole {
  clock: FakeClock;
  requests: RecordedRequest[] = [];
  user: User;
  /** Every API key the user has had since the last reset, oldest first. */
  keys: string[] = [];
  #server: Server;
  #sockets = new Set<Socket>();
  #issuer = new TokenIssuer();
  /** jti → revoked? Tokens whose jti is absent count as revoked, like the console's Redis allow-list. */
  #allowList = new Map<string, boolean>();
  #faults: Record<Endpoint, Fault[]> = { auth: [], me: [], refresh: [], reset: [] };
  #hanging = new Set<ServerResponse>();
  #hangsClosed: Array<() => void> = [];
  #scheme: 'http' | 'https';
  #clockStart: (() => number) | undefined;
  url = '';

  constructor(options: FakeConsoleOptions = {}) {
    this.#clockStart = options.clockStart;
    this.clock = new FakeClock(this.#clockStart?.());
    this.user = FakeConsole.#newUser(options.apiKey);
    this.#setKey(this.user.api_key);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);
    this.#scheme = options.tls ? 'https' : 'http';
    this.#server.keepAliveTimeout = 1000;
    this.#server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options?: FakeConsoleOptions): Promise<FakeConsole> {
    const fake = new FakeConsole(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `${fake.#scheme}://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  static #newUser(apiKey: string = randomUUID()): User {
    return { id: 1, first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', company: 'Example Corp', role: 'admin', api_key: apiKey, isActive: true };
  }

  // --- state the tests change -------------------------------------------------------------------

  /** Back to a fresh console: new user and key, new clock, no tokens, faults or records. */
  reset(): void {
    this.clock = new FakeClock(this.#clockStart?.());
    this.user = FakeConsole.#newUser();
    this.keys = [];
    this.#setKey(this.user.api_key);
    this.requests = [];
    this.#allowList.clear();
    for (const list of Object.values(this.#faults)) list.length = 0;
  }

  #setKey(key: string): void {
    this.user.api_key = key;
    this.keys.push(key);
    registerSecret(key);
  }

  /** The key that `/users/auth` accepts now. */
  get apiKey(): string {
    return this.user.api_key;
  }

  /** Rotates the key behind the client's back (another admin, another process). */
  rotateKey(): string {
    this.#setKey(randomUUID());
    return this.user.api_key;
  }

  /** Deactivates the user: auth answers 404, refresh answers 404, existing access tokens keep working. */
  deactivateUser(): void {
    this.user.isActive = false;
  }

  /** Marks one token revoked, as a logout does. */
  revoke(token: string): void {
    const claims = this.#issuer.verify(token);
    if (claims) this.#allowList.set(claims.jti, true);
  }

  /** Forgets every token, as a Redis restart without persistence does. */
  flushAllowList(): void {
    this.#allowList.clear();
  }

  /** Makes the next `count` answers of `endpoint` misbehave. */
  fail(endpoint: Endpoint, fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.#faults[endpoint].push(fault);
  }

  /** Issues a token pair directly, as if another client had authenticated. */
  issuePair(): { access_token: string; refresh_token: string } {
    return this.#issuePair();
  }

  /** A valid token of the given type that expires `seconds` from now (negative: already expired). */
  issueExpiring(type: TokenType, seconds: number): string {
    const now = Math.floor(this.clock.now() / 1000);
    const lifetime = type === 'access' ? ACCESS_LIFETIME_S : REFRESH_LIFETIME_S;
    const { token, claims } = this.#issuer.issue(type, this.#identity(), now + seconds - lifetime, lifetime);
    this.#allowList.set(claims.jti, false);
    return token;
  }

  /** Resolves once every hanging request has been closed by its client (it never resolves if one leaks). */
  allHangsClosed(): Promise<void> {
    if (this.#hanging.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#hangsClosed.push(resolve));
  }

  /** Requests to one endpoint, optionally only those carrying a given token type. */
  seen(endpoint: Endpoint, tokenType?: RecordedRequest['tokenType']): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint && (tokenType === undefined || r.tokenType === tokenType));
  }

  // --- the server ---------------------------------------------------------------------------------

  #identity(): Record<string, unknown> {
    const { id, first_name, last_name, email, company, role, api_key, isActive } = this.user;
    return { id, first_name, last_name, email, company, role, api_key, isActive, company_license_exists: true };
  }

  #issuePair(): { access_token: string; refresh_token: string } {
    const now = Math.floor(this.clock.now() / 1000);
    const access = this.#issuer.issue('access', this.#identity(), now, ACCESS_LIFETIME_S);
    const refresh = this.#issuer.issue('refresh', this.#identity(), now, REFRESH_LIFETIME_S);
    this.#allowList.set(access.claims.jti, false);
    this.#allowList.set(refresh.claims.jti, false);
    return { access_token: access.token, refresh_token: refresh.token };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = req.headers as Record<string, string | undefined>;
    const record = this.#record(req.method ?? '', req.url ?? '/', headers, Buffer.concat(chunks).toString('utf8'));
    const route = ROUTES[record.path];
    const fault = route && req.method === route.method ? this.#faults[route.endpoint].shift() : undefined;
    if (fault && (await this.#misbehave(fault, res, record))) return;
    const answer = this.#respond(record, headers);
    this.#send(res, record, answer.status, answer.body, answer.contentType);
  }

  /**
   * The same console as a fetch function, without HTTP in between (scripted faults do not apply), for tests
   * that need to decide the order in which answers arrive.
   */
  async fetch(request: Request): Promise<Response> {
    const headers = Object.fromEntries(request.headers) as Record<string, string | undefined>;
    const record = this.#record(request.method, new URL(request.url).pathname, headers, await request.text());
    const answer = this.#respond(record, headers);
    record.status = answer.status;
    return new Response(answer.body, { status: answer.status, headers: { 'Content-Type': answer.contentType } });
  }

  #record(method: string, url: string, headers: Record<string, string | undefined>, body: string): RecordedRequest {
    const path = url.split('?')[0]!;
    const record: RecordedRequest = {
      endpoint: ROUTES[path]?.endpoint ?? 'unknown',
      method,
      path,
      tokenType: this.#tokenType(headers.authorization),
      token: bearerToken(headers.authorization),
      headers: { ...headers },
      body,
      status: 0,
    };
    this.requests.push(record);
    return record;
  }

  #respond(record: RecordedRequest, headers: Record<string, string | undefined>): { status: number; body: string; contentType: string } {
    const route = ROUTES[record.path];
    const page = (status: number) => ({ status, body: html(status, ...HTML_PAGES[status]!), contentType: 'text/html; charset=utf-8' });
    if (!route) return page(404);
    if (record.method !== route.method) return page(405);
    const [status, payload] = this.#answer(route.endpoint, headers, record.body);
    return typeof payload === 'string'
      ? { status, body: payload, contentType: 'text/html; charset=utf-8' }
      : { status, body: JSON.stringify(payload), contentType: 'application/json' };
  }

  /** Plays a fault; false when the fault only delays and the real answer follows. */
  async #misbehave(fault: Fault, res: ServerResponse, record: RecordedRequest): Promise<boolean> {
    switch (fault.kind) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'hang':
        this.#hanging.add(res);
        res.on('close', () => {
          this.#hanging.delete(res);
          if (this.#hanging.size === 0) for (const resolve of this.#hangsClosed.splice(0)) resolve();
        });
        return true;
      case 'reset':
        res.socket?.resetAndDestroy();
        return true;
      case 'truncated':
        this.#send(res, record, 200, '{"data": {"access_token": "eyJhbGciOi', 'application/json');
        return true;
      case 'html':
        this.#send(res, record, fault.status, html(fault.status, ...(HTML_PAGES[fault.status] ?? HTML_PAGES[500]!)), 'text/html; charset=utf-8');
        return true;
      case 'status':
        this.#send(res, record, fault.status, fault.body ?? JSON.stringify(envelope(null, { message: 'scripted failure' }, fault.status)), fault.contentType ?? 'application/json', fault.headers);
        return true;
    }
  }

  #send(res: ServerResponse, record: RecordedRequest, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
    record.status = status;
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  #tokenType(authorization: string | undefined): RecordedRequest['tokenType'] {
    const token = bearerToken(authorization);
    if (!token) return 'none';
    return this.#issuer.verify(token)?.type ?? 'invalid';
  }

  #answer(endpoint: Endpoint, headers: Record<string, string | undefined>, body: string): [number, unknown] {
    if (endpoint === 'auth') return this.#authenticate(headers, body);
    const checked = this.#checkJwt(headers.authorization, endpoint === 'refresh' ? 'refresh' : 'access');
    if (!('claims' in checked)) return [401, checked.body];
    if (endpoint === 'me') return [200, envelope(checked.claims.sub, null, 200)];
    if (endpoint === 'refresh') {
      if (!this.user.isActive || (checked.claims.sub as { id?: unknown }).id !== this.user.id) {
        return [404, envelope(null, { message: 'Active user not found' }, 404)];
      }
      const now = Math.floor(this.clock.now() / 1000);
      const access = this.#issuer.issue('access', this.#identity(), now, ACCESS_LIFETIME_S);
      this.#allowList.set(access.claims.jti, false);
      return [200, envelope({ access_token: access.token }, null, 200)];
    }
    this.#setKey(randomUUID());
    return [200, envelope({ ...this.#identity(), ...this.#issuePair() }, null, 200)];
  }

  #authenticate(headers: Record<string, string | undefined>, body: string): [number, unknown] {
    if (!/^application\/json\b/i.test(headers['content-type'] ?? '')) return [400, envelope(null, { message: 'Missing JSON in request' }, 400)];
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [400, html(400, ...HTML_PAGES[400]!)];
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [400, envelope(null, { message: 'Request data invalid' }, 400)];
    const key = (parsed as { api_key?: unknown }).api_key;
    if (!key) return [400, envelope(null, { message: 'api_key is required' }, 400)];
    if (typeof key !== 'string') return [500, html(500, ...HTML_PAGES[500]!)];
    const stripped = key.trim();
    if (!this.user.isActive || stripped !== this.user.api_key) {
      return [404, envelope(null, { message: `user with api_key ${stripped} not found` }, 404)];
    }
    return [200, envelope(this.#issuePair(), null, 200)];
  }

  /** flask-jwt-extended 4.x order: header parse → signature and exp → type → allow-list. */
  #checkJwt(header: string | undefined, expected: TokenType): { claims: Claims } | { body: unknown } {
    const expired = { body: envelope(null, { code: 'token_expired', message: 'The token has expired' }, 401) };
    if (!header || header.trim() === '') return { body: { msg: 'Missing Authorization Header' } };
    const bearer = header.split(',').map((part) => part.trim()).filter((part) => part.split(' ')[0] === 'Bearer');
    if (bearer.length !== 1) {
      return { body: { msg: "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'" } };
    }
    const parts = bearer[0]!.split(' ');
    if (parts.length !== 2) return expired;
    const claims = this.#issuer.verify(parts[1]!);
    if (!claims || claims.exp <= Math.floor(this.clock.now() / 1000) || claims.type !== expected) return expired;
    if (this.#allowList.get(claims.jti) !== false) return { body: { msg: 'Token has been revoked' } };
    return { claims };
  }
}
