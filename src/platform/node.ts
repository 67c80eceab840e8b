// The Node transport: the global fetch, unless the console needs TLS settings or a proxy, in which case
// requests go through an undici dispatcher built for them. undici is loaded only then, on the first request,
// so a plain client pays nothing for it at start-up.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Platform } from '../client';
import { DeepfenceConfigurationError } from '../errors';
import type { ResolvedOptions, TlsOptions } from '../options';
import { fetchOnlyPlatform } from './fetch-only';
import { checkProxy, checkTls } from './node-options';
import { proxyFor } from './proxy-env';

type Undici = typeof import('undici');
type Pem = string | Buffer;
type ConnectOptions = { ca?: Pem | Pem[]; cert?: Pem; key?: Pem; rejectUnauthorized?: boolean };

const pem = (value: string | Uint8Array): Pem => (typeof value === 'string' ? value : Buffer.from(value));

const fail = (message: string): never => {
  throw new DeepfenceConfigurationError(message);
};

/** Normalises a fingerprint to upper-case hex with colons, the form Node reports (`fingerprint256`). */
function normalizePin(pin: string): string {
  const hex = pin.replace(/:/g, '').toUpperCase();
  return hex.match(/../g)!.join(':');
}

function checkPem(tls: TlsOptions): void {
  const cas = tls.ca === undefined ? [] : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
  for (const ca of cas) {
    try {
      new X509Certificate(pem(ca));
    } catch {
      fail('tls.ca is not a PEM certificate; pass the console certificate\'s text, e.g. fs.readFileSync("console.crt")');
    }
  }
  if (tls.cert !== undefined) {
    try {
      new X509Certificate(pem(tls.cert));
    } catch {
      fail('tls.cert is not a PEM certificate; pass the client certificate\'s text');
    }
    try {
      createPrivateKey(pem(tls.key!));
    } catch {
      fail('tls.key is not a PEM private key (or it is encrypted); pass the unencrypted key of tls.cert');
    }
  }
}

/** A connector that accepts exactly the pinned certificates, self-signed or not, whatever the host name. */
function pinningConnector(undici: Undici, connect: ConnectOptions, pins: string[]): ReturnType<Undici['buildConnector']> {
  // No session cache: a resumed TLS session shows no peer certificate to check.
  const base = undici.buildConnector({ ...connect, rejectUnauthorized: false, maxCachedSessions: 0 });
  return (options, callback) =>
    base(options, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      const fingerprint = (socket as TLSSocket).getPeerCertificate?.().fingerprint256;
      if (!fingerprint || !pins.includes(fingerprint)) {
        socket.destroy();
        const mismatch = Object.assign(new Error('the certificate does not match tls.pinnedSha256'), { code: 'ERR_DEEPFENCE_PIN_MISMATCH' });
        return callback(mismatch, null);
      }
      return callback(null, socket);
    });
}

export const nodePlatform: Platform = {
  transport(options: ResolvedOptions, warn) {
    checkTls(options.tls);
    checkProxy(options.proxy);
    const proxy = options.proxy === false ? undefined : (options.proxy ?? proxyFor(options.baseUrl, process.env));
    const tls = options.tls;
    if (!tls && !proxy) return fetchOnlyPlatform.transport(options, warn);
    if (options.fetch) {
      fail('tls and proxy configure the built-in transport; with your own fetch, set up trust and proxies in it instead');
    }
    if (tls) checkPem(tls);
    const pins = tls?.pinnedSha256 === undefined ? undefined : (Array.isArray(tls.pinnedSha256) ? tls.pinnedSha256 : [tls.pinnedSha256]).map(normalizePin);
    if (pins && proxy) fail('tls.pinnedSha256 cannot be combined with a proxy yet; use tls.ca with the console certificate instead');
    if (tls?.rejectUnauthorized === false && !pins) {
      warn?.(
        "tls.rejectUnauthorized is false: the console's certificate is not checked, so anyone on the network path can read the API key and tokens. Prefer tls.ca (the console's certificate) or tls.pinnedSha256 (its fingerprint).",
      );
    }
    const connect: ConnectOptions = {
      ca: tls?.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca.map(pem) : pem(tls.ca),
      cert: tls?.cert === undefined ? undefined : pem(tls.cert),
      key: tls?.key === undefined ? undefined : pem(tls.key),
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    };
    let ready: Promise<{ undici: Undici; dispatcher: import('undici').Dispatcher }> | undefined;
    const load = () =>
      (ready ??= import('undici').then((loaded) => {
        const undici = loaded as unknown as Undici;
        const dispatcher = proxy
          ? new undici.ProxyAgent({ uri: proxy, requestTls: connect })
          : new undici.Agent({ connect: pins ? pinningConnector(undici, connect, pins) : connect });
        return { undici, dispatcher };
      }));
    const viaDispatcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const { undici, dispatcher } = await load();
      const request = input instanceof Request ? input : new Request(input, init);
      const response = await undici.fetch(request.url, {
        method: request.method,
        headers: request.headers as unknown as import('undici').HeadersInit,
        body: request.body as unknown as import('undici').BodyInit | null,
        duplex: 'half',
        redirect: request.redirect,
        signal: request.signal,
        dispatcher,
      });
      return response as unknown as Response;
    };
    return { fetch: viaDispatcher };
  },
};
