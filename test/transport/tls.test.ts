// TLS for real, on loopback: a console with a self-signed certificate made for this run, one that checks
// client certificates, and a CONNECT proxy in front of it.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import {
  ConnectionError,
  DeepfenceConfigurationError,
  type DeepfenceClientOptions,
} from '../../src/index';
import { FakeConsole } from '../fake-console/server';
import { selfSigned, type Certificate } from '../support/certs';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { captureLogger } from '../support/logger';
import { createTestClient } from '../support/test-client';

let server: Certificate;
let clientCert: Certificate;
let httpsConsole: FakeConsole;
let mtlsConsole: FakeConsole;
let proxy: ConnectProxy;

beforeAll(async () => {
  server = selfSigned('localhost');
  clientCert = selfSigned('deepfence-cli', 'DNS:deepfence-cli');
  httpsConsole = await FakeConsole.start({ tls: { key: server.key, cert: server.cert } });
  mtlsConsole = await FakeConsole.start({ tls: { key: server.key, cert: server.cert, requestCert: true, rejectUnauthorized: true, ca: [clientCert.cert] } });
  proxy = await startConnectProxy();
});
afterAll(async () => {
  await Promise.all([httpsConsole.close(), mtlsConsole.close(), proxy.close()]);
});
beforeEach(() => {
  httpsConsole.reset();
  mtlsConsole.reset();
  proxy.tunnels.length = 0;
});

function client(fake: FakeConsole, options: Partial<DeepfenceClientOptions> = {}) {
  return createTestClient({ baseUrl: fake.url, apiKey: fake.apiKey, logLevel: 'off', proxy: false, ...options });
}

describe('a console with a self-signed certificate', () => {
  it('is refused by default, with a message that says how to trust it, and is not retried', async () => {
    const error = await client(httpsConsole).getUserDetails().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).message).toMatch(/certificate of https:\/\/127\.0\.0\.1:\d+ not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\): pass tls\.ca/);
    expect((error as ConnectionError).permanent).toBe(true);
    expect(httpsConsole.requests).toEqual([]);
  });

  it('works when its certificate is trusted through tls.ca', async () => {
    await expect(client(httpsConsole, { tls: { ca: server.cert } }).getUserDetails()).resolves.toMatchObject({ email: 'ada@example.com' });
  });

  it('works when its fingerprint is pinned, in either notation, and refuses any other certificate', async () => {
    const colonless = server.fingerprint256.replace(/:/g, '').toLowerCase();
    await expect(client(httpsConsole, { tls: { pinnedSha256: colonless } }).getUserDetails()).resolves.toMatchObject({ email: 'ada@example.com' });
    await expect(client(httpsConsole, { tls: { pinnedSha256: server.fingerprint256 } }).getUserDetails()).resolves.toBeDefined();
    const wrong = await client(httpsConsole, { tls: { pinnedSha256: clientCert.fingerprint256 } }).getUserDetails().catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ConnectionError);
    expect((wrong as Error).message).toMatch(/not trusted \(ERR_DEEPFENCE_PIN_MISMATCH\)/);
  });

  it('matches the fingerprint openssl prints, so operators can copy it from there', () => {
    const printed = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: server.cert }).toString();
    expect(printed.trim()).toBe(`sha256 Fingerprint=${server.fingerprint256}`);
  });

  it('works with rejectUnauthorized: false, after one warning per client', async () => {
    const logger = captureLogger();
    const insecure = client(httpsConsole, { tls: { rejectUnauthorized: false }, logger, logLevel: 'warn' });
    await insecure.getUserDetails();
    await insecure.getUserDetails();
    expect(logger.lines).toEqual([expect.stringMatching(/^warn \[deepfence\] tls\.rejectUnauthorized is false: .*Prefer tls\.ca/)]);
  });
});

describe('a console that checks client certificates', () => {
  it('refuses a client without a certificate and accepts one with tls.cert and tls.key', async () => {
    await expect(client(mtlsConsole, { tls: { ca: server.cert }, maxRetries: 0 }).getUserDetails()).rejects.toBeInstanceOf(ConnectionError);
    const withCert = client(mtlsConsole, { tls: { ca: server.cert, cert: clientCert.cert, key: clientCert.key } });
    await expect(withCert.getUserDetails()).resolves.toMatchObject({ email: 'ada@example.com' });
  });
});

describe('a proxy', () => {
  it('carries every request when the proxy option is set', async () => {
    await client(httpsConsole, { tls: { ca: server.cert }, proxy: proxy.url }).getUserDetails();
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set([new URL(httpsConsole.url).host]));
    expect(httpsConsole.requests.map((r) => r.endpoint)).toEqual(['auth', 'me']);
  });

  it('is taken from HTTPS_PROXY, and skipped for hosts in NO_PROXY (in a child process with that environment)', async () => {
    const script = path.join(__dirname, 'fixtures', 'env-proxy-call.ts');
    const tsx = require.resolve('tsx/cli');
    // Asynchronously: the proxy and the console live in this process and must keep answering.
    const run = async (env: Record<string, string>) =>
      (await promisify(execFile)(process.execPath, [tsx, script], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CONSOLE_URL: httpsConsole.url, API_KEY: httpsConsole.apiKey, CA: server.cert, ...env },
      })).stdout.trim();
    expect(await run({ HTTPS_PROXY: proxy.url })).toBe('ada@example.com');
    const tunnelled = proxy.tunnels.length;
    expect(tunnelled).toBeGreaterThan(0);
    expect(await run({ HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.1' })).toBe('ada@example.com');
    expect(proxy.tunnels).toHaveLength(tunnelled);
    expect(httpsConsole.seen('me')).toHaveLength(2);
  });
});

describe('TLS options are checked at construction', () => {
  it.each([
    [{ ca: 'not a certificate' }, /tls\.ca is not a PEM certificate/],
    [{ cert: 'x' }, /tls\.cert and tls\.key go together/],
    [{ pinnedSha256: 'abc' }, /tls\.pinnedSha256 must be SHA-256 fingerprints in hex/],
    [{ rejectUnauthorized: 'no' }, /tls\.rejectUnauthorized must be true or false/],
    [{ verify: false }, /tls: unknown option 'verify'/],
  ])('%j', (tls, message) => {
    expect(() => client(httpsConsole, { tls: tls as never })).toThrow(DeepfenceConfigurationError);
    expect(() => client(httpsConsole, { tls: tls as never })).toThrow(message);
  });

  it('refuses tls with a custom fetch, whose trust the SDK cannot set', () => {
    expect(() => client(httpsConsole, { tls: { ca: server.cert }, fetch })).toThrow(/with your own fetch, set up trust and proxies in it instead/);
  });
});
