// `npm start`: a whole session through the facade against a Prism mock of the spec that this script starts
// and stops itself. Prints a transcript; every secret is masked.
import { createDeepfenceClient, type DeepfenceError } from '../src/index';
import { describeSecret } from '../src/redact';
import { startPrism } from './prism';

const DEMO_API_KEY = '00000000-0000-4000-8000-000000000001';

function show(title: string, fields: Record<string, unknown>): void {
  console.log(`\n${title}`);
  for (const [name, value] of Object.entries(fields)) console.log(`  ${name.padEnd(24)} ${String(value)}`);
}

const SECRET_FIELDS = new Set(['api_key', 'access_token', 'refresh_token']);
function masked(data: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? describeSecret(String(v)) : v]));
}

async function main(): Promise<void> {
  console.log('Starting a Prism mock of spec/deepfence-auth.yaml on loopback…');
  const prism = await startPrism(['mock']);
  try {
    console.log(`Mock console at ${prism.url}`);
    const client = createDeepfenceClient({
      baseUrl: prism.url,
      apiKey: DEMO_API_KEY,
      onApiKeyRotated: (key) => console.log(`\n(onApiKeyRotated: the new key ${describeSecret(key)} would be stored now)`),
    });
    show('1. authenticateApi(): API key → token pair', masked(await client.authenticateApi()));
    show('2. getUserDetails(): who am I', masked(await client.getUserDetails()));
    show('3. refreshJwtToken(): refresh token → new access token', masked(await client.refreshJwtToken()));
    show('4. resetApiKey(): new API key and fresh tokens (the old key is dead now)', masked(await client.resetApiKey()));
    show('5. getUserDetails() with the new session', masked(await client.getUserDetails()));
    console.log('\nDone: a whole session ran through the facade; no secret was printed.');
  } finally {
    await prism.stop();
  }
}

main().catch((error: DeepfenceError) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
