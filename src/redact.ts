// Secrets must never reach an error message, a log line or `util.inspect` output. Everything the SDK shows
// passes through `redact`, which masks the secrets it was told about and anything shaped like one.

export const MASK = '***';

// A JWT, whole or cut short (a truncated body), or the key that the console echoes in its 404 message.
const JWT = /eyJ[\w-]{6,}(?:\.[\w-]*){0,2}/g;
const ECHOED_KEY = /(api_key\s+)(.*?)(\s+not found)/gi;
const BEARER = /(Bearer\s+)(?!<)[^\s,;"'<>]+/gi;

/** The shortest secret worth masking as a whole; shorter values would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;
/** Runs of this many characters of a secret are masked wherever they appear. */
const FRAGMENT = 9;

/** Holds the secrets a client has seen, so that any text can be cleaned of them. */
export class SecretRegistry {
  #secrets = new Set<string>();
  /** Every FRAGMENT-long run of every secret, so that fragments are found in one pass over a text. */
  #fragments = new Set<string>();

  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    for (let i = 0; i + FRAGMENT <= secret.length; i++) this.#fragments.add(secret.slice(i, i + FRAGMENT));
  }

  /** Masks every known secret, every run of FRAGMENT or more characters of one, and anything shaped like a secret. */
  redact(text: string): string {
    let out = redactPatterns(text);
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return this.#fragments.size === 0 ? out : this.#maskFragments(out);
  }

  // A server may echo part of a secret (a truncated page, a cut-off excerpt): mask each such run, extended
  // as far as it keeps matching.
  #maskFragments(text: string): string {
    let out = '';
    let i = 0;
    while (i < text.length) {
      if (i + FRAGMENT <= text.length && this.#fragments.has(text.slice(i, i + FRAGMENT))) {
        let end = i + FRAGMENT;
        while (end < text.length && this.#fragments.has(text.slice(end + 1 - FRAGMENT, end + 1))) end++;
        out += MASK;
        i = end;
      } else {
        out += text[i];
        i++;
      }
    }
    return out;
  }
}

function redactPatterns(text: string): string {
  return text.replace(JWT, MASK).replace(ECHOED_KEY, `$1${MASK}$3`).replace(BEARER, `$1${MASK}`);
}

/** Shows that a secret is set without showing any of it: `***(36 chars)`. */
export function describeSecret(secret: string | undefined): string {
  return secret ? `${MASK}(${secret.length} chars)` : '(none)';
}
