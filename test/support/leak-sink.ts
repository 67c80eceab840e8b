// The suite-wide secret check. Every secret a test hands out or receives is registered here (the fake
// console registers what it issues, the test client what it is given and what it gets back); every error
// the SDK throws and every line it logs in any test is checked against them, in every view of it. A leak
// fails the test it happened in (see leak-guard.ts): it is a property of the whole suite, not of one test.
import { inspect } from 'node:util';
import { documentedSecrets } from './spec';

/** Runs of this many characters of a secret count as a leak (shorter ones are common base64 or words). */
export const FRAGMENT = 12;

const secrets = new Set<string>();
const leaks: string[] = [];

export function registerSecret(secret: unknown): void {
  if (typeof secret === 'string' && secret.length >= 8) secrets.add(secret);
}

/** The part of a secret whose fragments must not appear: a JWT's header is the same for every token. */
function secretPart(secret: string): string {
  const dot = secret.indexOf('.');
  return secret.startsWith('eyJ') && dot > 0 ? secret.slice(dot + 1) : secret;
}

/** Descriptions of the secrets (whole, or any FRAGMENT-long run of one) found in `text`, never the secret itself. */
export function findLeaks(text: string, candidates: Iterable<string> = [...secrets, ...documentedSecrets()]): string[] {
  const found: string[] = [];
  for (const secret of candidates) {
    const part = secretPart(secret);
    for (let i = 0; i + FRAGMENT <= part.length; i++) {
      const at = text.indexOf(part.slice(i, i + FRAGMENT));
      if (at !== -1) {
        found.push(`${FRAGMENT}+ characters of a ${secret.length}-character secret at offset ${at}`);
        break;
      }
    }
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
  secrets.clear();
  return leaks.splice(0);
}
