// The browser build in a real headless Chromium (Debian's, driven by playwright-core): the page is bundled
// with esbuild from dist/browser.mjs, served from loopback, and talks to the Prism mock through that same
// origin, as a page served by the console itself would (the real console sends no CORS headers).
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const BROWSER_BUILD = path.resolve(__dirname, '../../dist/browser.mjs');
const PRISM_URL = process.env.PRISM_URL!;

const PAGE_SCRIPT = `
import { createDeepfenceClient, DeepfenceConfigurationError } from ${JSON.stringify(BROWSER_BUILD)};
window.runSession = async () => {
  const client = createDeepfenceClient({ baseUrl: location.origin, apiKey: '00000000-0000-4000-8000-000000000001', logLevel: 'off' });
  const pair = await client.authenticateApi();
  const me = await client.getUserDetails();
  let tlsRefused = '';
  try {
    createDeepfenceClient({ baseUrl: location.origin, apiKey: 'k-0123456789', tls: { rejectUnauthorized: false } });
  } catch (error) {
    tlsRefused = error instanceof DeepfenceConfigurationError ? error.message : 'wrong error';
  }
  return { email: me.email, role: me.role, gotTokens: pair.access_token.split('.').length === 3, tlsRefused };
};
`;

let bundle = '';
let server: Server;
let origin = '';
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(BROWSER_BUILD)) throw new Error('dist/browser.mjs is missing: run `npm run build` first (npm test does)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const result = await build({ stdin: { contents: PAGE_SCRIPT, resolveDir: __dirname, loader: 'js' }, bundle: true, platform: 'browser', format: 'esm', write: false, minify: true });
  bundle = result.outputFiles[0]!.text;
  server = createServer((req, res) => {
    if (req.url === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>sdk</title><script type="module" src="/sdk.js"></script>');
    if (req.url === '/sdk.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
    // Everything else is the API: forward it to Prism, so that page and API share one origin.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'connection')) as Record<string, string>;
      fetch(`${PRISM_URL}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }).then(
        async (upstream) => res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await upstream.arrayBuffer())),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

it('authenticates and answers who-am-I from a page, and refuses Node-only options there', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(origin);
  await page.waitForFunction(() => typeof (window as unknown as { runSession?: unknown }).runSession === 'function');
  const result = await page.evaluate(() => (window as unknown as { runSession: () => Promise<unknown> }).runSession());
  expect(result).toEqual({
    email: 'ada@example.com',
    role: 'admin',
    gotTokens: true,
    tlsRefused: 'tls and proxy need Node.js; in this runtime, configure trust and proxies in the browser or the system',
  });
  expect(errors).toEqual([]);
  await page.close();
});

it('is a bundle without Node built-ins, undici or the file store', () => {
  const imports = /(from|import|require\()\s*["'](node:[\w/]+|fs|fs\/promises|crypto|tls|net|https?|os|path|undici)["']/g;
  expect(bundle.match(imports)).toBeNull();
  expect(bundle).not.toContain('cannot be combined with a proxy'); // a message of the Node transport only
});
