// The Node-only options, `tls` and `proxy`, checked at construction by the Node platform (the browser
// platform refuses them outright, so none of this is in the browser build).
import { describe, fail, rejectUnknown, requireObject } from '../options';

const TLS_OPTIONS = ['ca', 'cert', 'key', 'pinnedSha256', 'rejectUnauthorized'] as const;

export function checkTls(value: unknown): void {
  if (value === undefined) return;
  requireObject('tls', value);
  rejectUnknown('tls', value, TLS_OPTIONS);
  const pem = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array;
  const { ca, cert, key, pinnedSha256, rejectUnauthorized } = value;
  if (ca !== undefined && !(pem(ca) || (Array.isArray(ca) && ca.every(pem)))) {
    fail('tls.ca must be PEM text (a string or Buffer) or an array of them; read it with fs.readFileSync(path)');
  }
  if ((cert === undefined) !== (key === undefined)) fail('tls.cert and tls.key go together: pass both, or neither');
  if (cert !== undefined && (!pem(cert) || !pem(key))) fail('tls.cert and tls.key must be PEM text (a string or Buffer)');
  if (pinnedSha256 !== undefined) {
    const pins = Array.isArray(pinnedSha256) ? pinnedSha256 : [pinnedSha256];
    if (pins.length === 0 || !pins.every((p) => typeof p === 'string' && /^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i.test(p))) {
      fail("tls.pinnedSha256 must be SHA-256 fingerprints in hex (64 digits, colons optional); get one with 'openssl x509 -noout -fingerprint -sha256'");
    }
  }
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') fail('tls.rejectUnauthorized must be true or false');
}

export function checkProxy(value: unknown): void {
  if (value === undefined || value === false) return;
  if (typeof value !== 'string') fail(`proxy must be an http(s) URL or false, got ${describe(value)}`);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    fail("proxy must be an absolute http(s) URL such as 'http://proxy.internal:3128', or false to disable proxies");
  }
}
