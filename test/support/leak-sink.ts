// The suite-wide secret check. Every secret a test hands out or receives is registered here (the fake
// console registers what it issues, the test client what it is given and what it gets back); every error
// the SDK throws and every line it logs in any test is checked against them, in every view of it. A leak
// fails the test it happened in (see leak-guard.ts): it is a property of the whole suite, not of one test.
import { inspect } from 'node:util';
import { documentedSecrets } from './spec';

/** Runs of this many characters of a secret count as a leak (shorter ones are common base64 or words). */
export const FRAGMENT = 12;

/** Every FRAGMENT-long run of every registered secret, mapped to the length of its secret. */
const fragments = new Map<string, number>();
const leaks: string[] = [];

/** The part of a secret whose fragments must not appear: a JWT's header is the same for every token. */
function secretPart(secret: string): string {
  const dot = secret.indexOf('.');
  return secret.startsWith('eyJ') && dot > 0 ? secret.slice(dot + 1) : secret;
}

function index(secret: string, into: Map<string, number>): void {
  const part = secretPart(secret);
  for (let i = 0; i + FRAGMENT <= part.length; i++) into.set(part.slice(i, i + FRAGMENT), secret.length);
}

export function registerSecret(secret: unknown): void {
  if (typeof secret === 'string' && secret.length >= 8) index(secret, fragments);
}

let documented: Map<string, number> | undefined;

/** Descriptions of the secrets (whole, or any FRAGMENT-long run of one) found in `text`, never the secret itself. */
export function findLeaks(text: string, candidates?: Iterable<string>): string[] {
  let lookups: Array<Map<string, number>>;
  if (candidates) {
    const own = new Map<string, number>();
    for (const secret of candidates) index(secret, own);
    lookups = [own];
  } else {
    if (!documented) {
      documented = new Map();
      for (const secret of documentedSecrets()) index(secret, documented);
    }
    lookups = [fragments, documented];
  }
  const lookup = (run: string) => lookups.find((map) => map.has(run))?.get(run);
  const found: string[] = [];
  for (let at = 0; at + FRAGMENT <= text.length; at++) {
    const length = lookup(text.slice(at, at + FRAGMENT));
    if (length === undefined) continue;
    found.push(`${FRAGMENT}+ characters of a ${length}-character secret at offset ${at}`);
    // One report per contiguous run.
    while (at + FRAGMENT < text.length && lookup(text.slice(at + 1, at + 1 + FRAGMENT)) !== undefined) at++;
    at += FRAGMENT - 1;
  }
  return found;
}

/** Every way an error can be shown: message, stack, String, JSON, util.inspect, and the same for its cause. */
export function errorViews(error: unknown): string[] {
  const views = [String(error), inspect(error, { depth: 6, showHidden: true })];
  try {
    views.push(JSON.stringify(error) ?? '');
  } catch {
    views.push('(unserialisable)');
  }
  if (error instanceof Error) {
    views.push(error.message, error.stack ?? '');
    if (error.cause !== undefined) views.push(...errorViews(error.cause));
  }
  return views;
}

export function checkText(where: string, text: string): void {
  for (const leak of findLeaks(text)) leaks.push(`${where}: ${leak}`);
}

export function checkError(where: string, error: unknown): void {
  for (const view of errorViews(error)) checkText(where, view);
}

/** The leaks seen since the last call, and a fresh start for the next test. */
export function takeLeaks(): string[] {
  fragments.clear();
  return leaks.splice(0);
}
