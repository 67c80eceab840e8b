// The packaging check (`npm run check:package`, part of `npm test`): packs the package, installs the tarball
// into a fresh project, and uses it there the ways users do: `import`, `require`, TypeScript with
// moduleResolution node16 and bundler (type-checked, compiled and run against a Prism mock), and the CLI
// through npx. Then publint and arethetypeswrong judge the tarball.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPrism } from './prism';

const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function step(title: string, action: () => string | void): void {
  process.stdout.write(`• ${title} … `);
  try {
    const detail = action();
    process.stdout.write(`ok${detail ? ` (${detail})` : ''}\n`);
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    process.stdout.write(`FAILED\n${message}\n${stdout}${stderr}\n`);
    throw new Error(`packaging check failed at: ${title}`);
  }
}

const API_KEY = '00000000-0000-4000-8000-000000000001';
const consumer = {
  'esm.mjs': `import { createDeepfenceClient, DeepfenceError } from 'deepfence-runtime-api';
const client = createDeepfenceClient({ baseUrl: process.env.PRISM_URL, apiKey: '${API_KEY}' });
const me = await client.getUserDetails();
if (me.email !== 'ada@example.com' || typeof DeepfenceError !== 'function') throw new Error('unexpected: ' + me.email);
console.log('import works');
`,
  'cjs.cjs': `const { createDeepfenceClient, fileTokenStore } = require('deepfence-runtime-api');
const client = createDeepfenceClient({ baseUrl: process.env.PRISM_URL, apiKey: '${API_KEY}' });
client.getUserDetails().then((me) => {
  if (me.email !== 'ada@example.com' || typeof fileTokenStore !== 'function') throw new Error('unexpected');
  console.log('require works');
});
`,
  'consumer.ts': `import { createDeepfenceClient, NotFoundError, type UserDetails, type DeepfenceErrorKind } from 'deepfence-runtime-api';
const client = createDeepfenceClient({ baseUrl: process.env.PRISM_URL!, apiKey: '${API_KEY}' });
async function main(): Promise<void> {
  const me: UserDetails = await client.getUserDetails();
  const role: 'admin' | 'user' | 'read_only_user' = me.role;
  const kind: DeepfenceErrorKind = new NotFoundError('x', { status: 404 }).kind;
  console.log(\`typescript works: \${role} \${kind}\`);
}
// Never called: it only has to fail to type-check where marked.
export function misuse(me: UserDetails): void {
  // @ts-expect-error: the spec types unknown fields as unknown, so they cannot be used unchecked
  void me.phone_number.length;
  // @ts-expect-error: apiKey is required
  createDeepfenceClient({ baseUrl: 'https://c.example.com' });
}
void main();
`,
};

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'deepfence-pack-'));
  const prism = await startPrism(['mock']);
  try {
    let tarball = '';
    step('npm pack', () => {
      run('npm', ['pack', '--silent', '--pack-destination', work], root);
      tarball = path.join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
      return path.basename(tarball);
    });
    step('publint', () => void run(bin('publint'), ['run', '--strict', tarball], root));
    step('arethetypeswrong', () => void run(bin('attw'), [tarball, '--format', 'table-flipped'], root));
    const project = path.join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
    for (const [file, text] of Object.entries(consumer)) writeFileSync(path.join(project, file), text);
    step('install the tarball into a fresh project', () => void run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project));
    const env = { ...process.env, PRISM_URL: prism.url };
    step('import (ESM)', () => run(process.execPath, ['esm.mjs'], project, env).trim());
    step('require (CJS)', () => run(process.execPath, ['cjs.cjs'], project, env).trim());
    for (const [resolution, module, type] of [['node16', 'node16', 'commonjs'], ['bundler', 'esnext', 'module']] as const) {
      step(`TypeScript, moduleResolution ${resolution}`, () => {
        const out = path.join(project, `out-${resolution}`);
        run(bin('tsc'), ['consumer.ts', '--strict', '--skipLibCheck', 'false', '--target', 'es2022', '--module', module, '--moduleResolution', resolution, '--types', 'node', '--typeRoots', path.join(root, 'node_modules/@types'), '--outDir', out], project);
        writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type }));
        return run(process.execPath, [path.join(out, 'consumer.js')], project, env).trim();
      });
    }
    step('npx deepfence-auth --help', () => {
      const help = run('npx', ['--no-install', 'deepfence-auth', '--help'], project);
      if (!help.includes('Commands:')) throw new Error(`unexpected help:\n${help}`);
    });
  } finally {
    await prism.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
