// `npm run bench`: what the facade costs over the floor it is built on, how the session behaves in a refresh
// storm, cold start and generation time. Prints tables, writes BENCHMARKS.json and BENCHMARKS.md. Uses the
// built package (dist/), as users get it. Time budgets are judged here, never in tests.
import { execFileSync, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { gzipSync } from 'node:zlib';
import createClient from 'openapi-fetch';
import { Bench } from 'tinybench';
import type * as Sdk from '../../src/index.js';
import { FakeConsole, ACCESS_LIFETIME_S } from '../../test/fake-console/server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const sdk = createRequire(import.meta.url)(path.join(root, 'dist/index.js')) as typeof Sdk;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);
const CONCURRENCY = 64;
const ME = '/deepfence/v1.5/users/me';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Call = () => Promise<unknown>;
interface Row {
  variant: string;
  mode: string;
  reqPerSec: number;
  reqPerSecMin: number;
  reqPerSecMax: number;
  p50Us: number;
  p99Us: number;
}

/** Runs the variants in ROUNDS rounds, in a new order each round, and keeps the median and spread. */
async function interleaved(mode: string, variants: Record<string, Call>, batch: number): Promise<Row[]> {
  const samples: Record<string, Array<{ rps: number; p50: number; p99: number }>> = {};
  const names = Object.keys(variants);
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: ROUND_MS, warmupTime: 100 });
    const order = names.map((n, i) => [n, (i + round) % names.length] as const).sort((a, b) => a[1] - b[1]).map(([n]) => n);
    for (const name of order) {
      const call = variants[name]!;
      bench.add(name, batch === 1 ? call : () => Promise.all(Array.from({ length: batch }, call)));
    }
    await bench.run();
    for (const task of bench.tasks) {
      const latency = task.result!.latency;
      // From the median latency, not the mean: a GC pause in one task must not decide a comparison.
      (samples[task.name] ??= []).push({ rps: (1000 / latency.p50!) * batch, p50: latency.p50! * 1000, p99: latency.p99! * 1000 });
    }
  }
  return names.map((variant) => {
    const s = samples[variant]!;
    const rps = s.map((x) => x.rps);
    return { variant, mode, reqPerSec: median(rps), reqPerSecMin: Math.min(...rps), reqPerSecMax: Math.max(...rps), p50Us: median(s.map((x) => x.p50)), p99Us: median(s.map((x) => x.p99)) };
  });
}

function threeLayers(baseUrl: string, fetchImpl: typeof fetch, token: string, client: Sdk.DeepfenceClient): Record<string, Call> {
  const headers = { Authorization: `Bearer ${token}` };
  const raw = createClient<Sdk.paths>({ baseUrl, fetch: fetchImpl });
  return {
    fetch: () => fetchImpl(new Request(`${baseUrl}${ME}`, { headers })).then((r) => r.json()),
    'openapi-fetch': () => raw.GET(ME, { headers }),
    // What a per-attempt timeout costs by itself: an AbortController, a timer, and a Request that follows the signal.
    'openapi-fetch + timeout': async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 30_000);
      try {
        return await raw.GET(ME, { headers, signal: controller.signal });
      } finally {
        clearTimeout(timer);
      }
    },
    facade: () => client.getUserDetails(),
  };
}

async function overhead(): Promise<{ loopback: Row[]; stub: Row[] }> {
  const server = fork(path.join(here, 'server.mjs'), { stdio: 'ignore' as never });
  const port = await new Promise<number>((resolve) => server.once('message', (m: { port: number }) => resolve(m.port)));
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    const client = sdk.createDeepfenceClient({ baseUrl, apiKey: 'bench-key-0123456789', logLevel: 'off', proxy: false });
    const { access_token } = await client.authenticateApi();
    const live = threeLayers(baseUrl, fetch, access_token, client);
    const loopback = [...(await interleaved('sequential', live, 1)), ...(await interleaved(`${CONCURRENCY} concurrent`, live, CONCURRENCY))];
    // The same three with a stub instead of the network: what each layer adds per call.
    const body = JSON.stringify({ data: { id: 1, email: 'ada@example.com' }, error: null, success: true });
    const stub: typeof fetch = async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    const stubbed = sdk.createDeepfenceClient({ baseUrl, apiKey: 'bench-key-0123456789', logLevel: 'off', fetch: stub });
    await stubbed.authenticateApi().catch(() => undefined);
    const tokenStore = sdk.memoryTokenStore();
    tokenStore.set({ accessToken: access_token, refreshToken: access_token });
    const held = sdk.createDeepfenceClient({ baseUrl, apiKey: 'bench-key-0123456789', logLevel: 'off', fetch: stub, tokenStore });
    const stubRows = await interleaved('stubbed fetch', threeLayers(baseUrl, stub, access_token, held), 1);
    return { loopback, stub: stubRows };
  } finally {
    server.disconnect();
  }
}

async function storm(n: number): Promise<{ calls: number; refreshRequests: number; authRequests: number; ms: number; peakHeapMb: number; peakRssMb: number; failures: number }> {
  const fake = new FakeConsole();
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  // In-process answers never yield to the event loop, so a timer could not sample: the fetch does, every 100 requests.
  let requests = 0;
  const fetchImpl = (input: RequestInfo | URL) => {
    if (++requests % 100 === 0) sample();
    return fake.fetch(input as Request);
  };
  const client = sdk.createDeepfenceClient({ baseUrl: 'https://console.example.com', apiKey: fake.apiKey, clock: fake.clock, logLevel: 'off', fetch: fetchImpl });
  await client.getUserDetails();
  fake.clock.advance(ACCESS_LIFETIME_S * 1000 + 1000);
  global.gc?.();
  const baseHeap = process.memoryUsage().heapUsed;
  const baseRss = process.memoryUsage().rss;
  peakHeap = baseHeap;
  peakRss = baseRss;
  const started = performance.now();
  const outcomes = await Promise.allSettled(Array.from({ length: n }, () => client.getUserDetails()));
  const ms = performance.now() - started;
  sample();
  return {
    calls: n,
    refreshRequests: fake.seen('refresh').length,
    authRequests: fake.seen('auth').length,
    ms,
    peakHeapMb: (peakHeap - baseHeap) / 2 ** 20,
    peakRssMb: (peakRss - baseRss) / 2 ** 20,
    failures: outcomes.filter((o) => o.status === 'rejected').length,
  };
}

async function coldStart(): Promise<Array<{ what: string; medianMs: number; minMs: number; maxMs: number }>> {
  const node = process.execPath;
  const cases: Record<string, string[]> = {
    'openapi-fetch alone (require)': ['-e', "require('openapi-fetch')"],
    'deepfence-runtime-api (require, CJS)': ['-e', `require(${JSON.stringify(path.join(root, 'dist/index.js'))})`],
    'deepfence-runtime-api (import, ESM)': ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(root, 'dist/index.mjs'))})`],
    'deepfence-auth --help': [path.join(root, 'dist/cli.js'), '--help'],
  };
  const bench = new Bench({ iterations: 15, time: 0, warmupIterations: 2, warmupTime: 0 });
  for (const [what, args] of Object.entries(cases)) bench.add(what, () => void execFileSync(node, args, { cwd: root, stdio: 'ignore' }));
  await bench.run();
  return bench.tasks.map((t) => ({ what: t.name, medianMs: t.result!.latency.p50!, minMs: t.result!.latency.min, maxMs: t.result!.latency.max }));
}

/** Minified + gzipped size of a browser bundle of `code` (esbuild, as size-limit measures it). */
function bundleSize(code: string): number {
  const out = buildSync({ stdin: { contents: code, resolveDir: root }, bundle: true, minify: true, format: 'esm', platform: 'browser', write: false });
  return gzipSync(out.outputFiles[0]!.text, { level: 9 }).length;
}

async function generation(): Promise<{ medianMs: number; minMs: number; maxMs: number }> {
  const bench = new Bench({ iterations: 3, time: 0, warmup: false });
  bench.add('npm run generate', () => void execFileSync(process.execPath, [path.join(root, 'scripts/generate.mjs')], { cwd: root, stdio: 'ignore' }));
  await bench.run();
  const latency = bench.tasks[0]!.result!.latency;
  return { medianMs: latency.p50!, minMs: latency.min, maxMs: latency.max };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  console.log(`Benchmarking dist/ on Node ${process.version}, ${ROUNDS} rounds…`);
  const { loopback, stub } = await overhead();
  const storms = [await storm(1000), await storm(10_000)];
  const cold = await coldStart();
  const gen = await generation();
  const bundle = {
    withOpenapiFetch: bundleSize(`export { createDeepfenceClient } from './dist/browser.mjs';`),
    openapiFetchAlone: bundleSize(`export { default } from 'openapi-fetch';`),
  };

  const find = (rows: Row[], variant: string, mode: string) => rows.find((r) => r.variant === variant && r.mode === mode)!;
  const ratios = ['sequential', `${CONCURRENCY} concurrent`].map((mode) => ({
    mode,
    facadeVsFetch: find(loopback, 'facade', mode).reqPerSec / find(loopback, 'fetch', mode).reqPerSec,
    facadeVsOpenapiFetch: find(loopback, 'facade', mode).reqPerSec / find(loopback, 'openapi-fetch', mode).reqPerSec,
  }));
  const stubUs = Object.fromEntries(stub.map((r) => [r.variant, 1e6 / r.reqPerSec]));
  const addedUs = {
    openapiFetchOverFetch: stubUs['openapi-fetch']! - stubUs.fetch!,
    timeoutOverOpenapiFetch: stubUs['openapi-fetch + timeout']! - stubUs['openapi-fetch']!,
    facadeOverOpenapiFetch: stubUs.facade! - stubUs['openapi-fetch']!,
    facadeOverOpenapiFetchWithTimeout: stubUs.facade! - stubUs['openapi-fetch + timeout']!,
  };
  const seqLoss = 1 - ratios[0]!.facadeVsOpenapiFetch;
  const seqLossVsTimeout = 1 - find(loopback, 'facade', 'sequential').reqPerSec / find(loopback, 'openapi-fetch + timeout', 'sequential').reqPerSec;
  const budgets = [
    { budget: 'facade adds ≤ 5 µs per call over openapi-fetch (stubbed fetch)', measured: `${fmt(addedUs.facadeOverOpenapiFetch, 1)} µs`, met: addedUs.facadeOverOpenapiFetch <= 5 },
    { budget: '(decomposed) … over openapi-fetch with the same per-attempt timeout', measured: `${fmt(addedUs.facadeOverOpenapiFetchWithTimeout, 1)} µs`, met: addedUs.facadeOverOpenapiFetchWithTimeout <= 5 },
    { budget: 'facade costs ≤ 3% over openapi-fetch on loopback (sequential, req/s)', measured: `${fmt(seqLoss * 100, 1)}%`, met: seqLoss <= 0.03 },
    { budget: '(decomposed) … over openapi-fetch with the same per-attempt timeout', measured: `${fmt(seqLossVsTimeout * 100, 1)}%`, met: seqLossVsTimeout <= 0.03 },
    { budget: 'browser bundle (facade + openapi-fetch, min+gz) ≤ 5 kB', measured: `${fmt(bundle.withOpenapiFetch / 1000, 2)} kB`, met: bundle.withOpenapiFetch <= 5000 },
    { budget: 'refresh storm: exactly 1 refresh request', measured: storms.map((s) => s.refreshRequests).join(' / '), met: storms.every((s) => s.refreshRequests === 1 && s.failures === 0) },
  ];

  const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), date: new Date().toISOString() };
  const results = { machine, rounds: ROUNDS, loopback, stub, ratios, addedUs, storms, cold, generation: gen, bundle, budgets };
  writeFileSync(path.join(root, 'BENCHMARKS.json'), `${JSON.stringify(results, null, 2)}\n`);

  const lines: string[] = [];
  const table = (head: string[], rows: string[][]) => {
    lines.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`), '');
  };
  lines.push('# Benchmarks', '', `Latest \`npm run bench\`: ${machine.date.slice(0, 10)}, Node ${machine.node}, ${machine.cpu} (${machine.cores} cores), ${machine.memoryGb} GB.`,
    `Medians of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per variant (tinybench, warm-up first; the order of the variants rotates`,
    'each round). req/s is derived from the median latency; its spread is the min–max over rounds. Client and server share',
    'the 2 cores, so figures move by several percent between runs, and concurrent ones more.', '');
  lines.push('## Per-call overhead: loopback, keep-alive `node:http` server in a second process', '');
  table(['variant', 'mode', 'req/s (median)', 'req/s (min–max)', 'p50 µs', 'p99 µs'],
    loopback.map((r) => [r.variant, r.mode, fmt(r.reqPerSec), `${fmt(r.reqPerSecMin)}–${fmt(r.reqPerSecMax)}`, fmt(r.p50Us), fmt(r.p99Us)]));
  lines.push('p50/p99 are per request when sequential, per batch of 64 when concurrent.', '');
  table(['mode', 'facade / fetch (req/s)', 'facade / openapi-fetch (req/s)'], ratios.map((r) => [r.mode, fmt(r.facadeVsFetch, 3), fmt(r.facadeVsOpenapiFetch, 3)]));
  lines.push('## Per-call overhead: stubbed fetch (no network)', '');
  table(['variant', 'µs per call', 'calls/s'], stub.map((r) => [r.variant, fmt(1e6 / r.reqPerSec, 2), fmt(r.reqPerSec)]));
  lines.push(`openapi-fetch adds ${fmt(addedUs.openapiFetchOverFetch, 2)} µs over fetch. The facade adds ${fmt(addedUs.facadeOverOpenapiFetch, 2)} µs over openapi-fetch, of which`,
    `${fmt(addedUs.timeoutOverOpenapiFetch, 2)} µs is the per-attempt timeout alone (AbortController, timer, and undici's Request following the signal)`,
    `and ${fmt(addedUs.facadeOverOpenapiFetchWithTimeout, 2)} µs the rest (call-option check, session lookup, envelope parsing and validation).`,
    'No `Request.clone()` and no body copy happen on this path: each attempt builds its request anew from the operation.', '');
  lines.push('## Refresh storm: concurrent calls on an expired access token (fake console, in-process fetch)', '');
  table(['calls', 'refresh requests', 'auth requests', 'all done in ms', 'failures', 'peak heap growth MB', 'peak RSS growth MB'],
    storms.map((s) => [fmt(s.calls), String(s.refreshRequests), String(s.authRequests), fmt(s.ms), String(s.failures), fmt(s.peakHeapMb, 1), fmt(s.peakRssMb, 1)]));
  lines.push('Growth is over the heap after a full GC just before the storm, sampled every 100 requests; it includes the fake console\'s',
    'records of every request. The fake console verifies an RS256 signature per request: most of the time is its work.', '');
  lines.push('## Cold start (`node -e`, 15 runs)', '');
  table(['what', 'median ms', 'min–max ms'], cold.map((c) => [c.what, fmt(c.medianMs), `${fmt(c.minMs)}–${fmt(c.maxMs)}`]));
  lines.push('## Generation', '');
  table(['what', 'median ms', 'min–max ms'], [['npm run generate (lint + openapi-typescript)', fmt(gen.medianMs), `${fmt(gen.minMs)}–${fmt(gen.maxMs)}`]]);
  lines.push('## Budgets', '');
  table(['budget', 'measured', 'met'], budgets.map((b) => [b.budget, b.measured, b.met ? 'yes' : '**no**']));
  lines.push('## What the missed budgets would take', '',
    `- **Per-call cost.** ${fmt(addedUs.timeoutOverOpenapiFetch, 1)} of the ${fmt(addedUs.facadeOverOpenapiFetch, 1)} µs the facade adds over bare openapi-fetch is the per-attempt`,
    '  timeout: an AbortController, a timer, and undici\'s Request following the signal (Node 20\'s fetch registers listeners',
    '  and a finalizer for every signal). Bare openapi-fetch has no timeout, so a hung console would hang its callers. Meeting',
    '  5 µs would take giving the timeout up, or moving it into an undici dispatcher (`headersTimeout`/`bodyTimeout`), which',
    '  exists only on Node, does not compose with the caller\'s signal, and would force undici on every Node user. The rest of',
    `  the facade costs ${fmt(addedUs.facadeOverOpenapiFetchWithTimeout, 1)} µs per call against openapi-fetch with the same timeout. On loopback the facade is`,
    `  ${fmt(seqLoss * 100, 1)}% below bare openapi-fetch and ${fmt(seqLossVsTimeout * 100, 1)}% below openapi-fetch with the same timeout (sequential req/s; the spread between rounds is larger than either).`,
    `- **Bundle.** openapi-fetch alone is ${fmt(bundle.openapiFetchAlone / 1000, 2)} kB, which leaves ${fmt((5000 - bundle.openapiFetchAlone) / 1000, 2)} kB of a 5 kB budget for the facade; the facade is`,
    `  ${fmt((bundle.withOpenapiFetch - bundle.openapiFetchAlone) / 1000, 2)} kB: option validation whose messages name the option and the fix, a dozen typed errors with actionable messages, retries`,
    '  with Retry-After, the single-flight session with token stores and redaction. 5 kB would take replacing the messages by',
    '  codes documented elsewhere, or a separate "lite" entry without retries and session management. Neither is worth it here;',
    `  size-limit (\`npm run size\`, part of \`npm test\`) holds the bundle at its current size instead (limit in \`.size-limit.json\`).`,
    '');
  const markdown = lines.join('\n');
  console.log(`\n${markdown}`);
  writeFileSync(path.join(root, 'BENCHMARKS.md'), `${markdown}\n`);
  console.log('Wrote BENCHMARKS.json and BENCHMARKS.md');
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
