// Secrets must never reach an error message, a log line or `util.inspect` output. Everything the SDK shows
// passes through `redact`, which masks the secrets it was told about and anything shaped like one.

export const MASK = '***';

// A JWT (three base64url parts), or the key that the console echoes in its 404 message.
const JWT = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;
const ECHOED_KEY = /(api_key\s+)(.*?)(\s+not found)/gi;
const BEARER = /(Bearer\s+)(?!<)[^\s,;"'<>]+/gi;

/** The shortest secret worth masking as a whole; shorter values would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Holds the secrets a client has seen, so that any text can be cleaned of them. */
export class SecretRegistry {
  #secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  /** Masks every known secret, every fragment of one longer than 8 characters, and anything shaped like a secret. */
  redact(text: string): string {
    let out = redactPatterns(text);
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
      out = maskFragments(out, secret);
    }
    return out;
  }
}

export function redactPatterns(text: string): string {
  return text.replace(JWT, MASK).replace(ECHOED_KEY, `$1${MASK}$3`).replace(BEARER, `$1${MASK}`);
}

// A server may echo part of a secret (a truncated page, a cut-off excerpt). Mask any run of 9 or more
// characters of the secret that appears in the text.
const FRAGMENT = 9;
function maskFragments(text: string, secret: string): string {
  if (secret.length < FRAGMENT || text.length < FRAGMENT) return text;
  let out = text;
  for (let i = 0; i + FRAGMENT <= out.length; i++) {
    const window = out.slice(i, i + FRAGMENT);
    const at = secret.indexOf(window);
    if (at === -1) continue;
    let end = i + FRAGMENT;
    while (end < out.length && at + (end - i) < secret.length && out[end] === secret[at + (end - i)]) end++;
    out = out.slice(0, i) + MASK + out.slice(end);
  }
  return out;
}

/** Shows that a secret is set without showing any of it: `***(36 chars)`. */
export function describeSecret(secret: string | undefined): string {
  return secret ? `${MASK}(${secret.length} chars)` : '(none)';
}
