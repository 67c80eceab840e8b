// The real deepfence-auth binary (dist/cli.js, built by `npm run build`), run as a child process against
// the fake console.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeConsole } from '../fake-console/server';
import { selfSigned, type Certificate } from '../support/certs';
import { checkText } from '../support/leak-sink';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

let fake: FakeConsole;
let https: FakeConsole;
let cert: Certificate;
let configDir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  cert = selfSigned('localhost');
  // The binary runs on the real clock: so must the tokens it is given.
  fake = await FakeConsole.start({ clockStart: Date.now });
  https = await FakeConsole.start({ clockStart: Date.now, tls: { key: cert.key, cert: cert.cert } });
});
afterAll(async () => {
  await Promise.all([fake.close(), https.close()]);
});
beforeEach(async () => {
  fake.reset();
  https.reset();
  configDir = await mkdtemp(path.join(tmpdir(), 'deepfence-cli-'));
});
afterEach(async () => {
  await rm(configDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary with a clean environment (plus `env`), `stdin` piped in; checks its output for secrets. */
function cli(args: string[], { stdin = '', env = {}, secretsExpected = false }: { stdin?: string; env?: Record<string, string>; secretsExpected?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: configDir, DEEPFENCE_CONFIG_DIR: configDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (!secretsExpected) checkText(`deepfence-auth ${args[0]} stdout`, stdout);
      checkText(`deepfence-auth ${args[0]} stderr`, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

const login = (console: FakeConsole = fake, extra: string[] = []) =>
  cli(['login', '--console-url', console.url, '--api-key-stdin', ...extra], { stdin: `${console.apiKey}\n` });

describe('help and usage', () => {
  it('lists the commands and the exit codes', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['login', 'whoami', 'refresh', 'reset-api-key', 'logout']) expect(run.stdout).toContain(`  ${command}`);
    expect(run.stdout).toMatch(/Exit codes: 0 done, 1 the console or the network failed, 2 wrong usage, 3 log in \(again\), 4 reset not confirmed/);
  });

  it('has a help page per command', async () => {
    const run = await cli(['reset-api-key', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^deepfence-auth reset-api-key: rotate the API key/);
    expect(run.stdout).toMatch(/--yes\s+do not ask for confirmation/);
    expect(run.stdout).toMatch(/--api-key-stdin\s+read the API key from standard input \(recommended\)/);
  });

  it('refuses an unknown command or option with exit 2 and one line, without a stack', async () => {
    for (const args of [['whoareyou'], ['whoami', '--verbose'], ['login', '--console-url']]) {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^deepfence-auth: error: /);
    }
  });
});

describe('a session', () => {
  it('logs in with a key from stdin, keeps the session in a file only the user can read, and says who it is', async () => {
    const run = await login();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Logged in to http:\/\/127\.0\.0\.1:\d+ as ada@example\.com \(admin\)\. Session saved in .*session\.json \(readable only by you\)\.\n$/);
    const file = path.join(configDir, 'session.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain(fake.apiKey);
  });

  it('whoami, refresh and logout work from the saved session, without the key', async () => {
    await login();
    const whoami = await cli(['whoami', '--json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ console: fake.url, user: { email: 'ada@example.com', role: 'admin', api_key: '***' } });
    const refresh = await cli(['refresh']);
    expect(refresh.code).toBe(0);
    expect(refresh.stdout).toMatch(/^Access token refreshed; valid until \d{4}-\d\d-\d\dT/);
    expect(fake.seen('refresh', 'refresh')).toHaveLength(1);
    expect(fake.seen('auth')).toHaveLength(1);
    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(existsSync(path.join(configDir, 'session.json'))).toBe(false);
  });

  it('asks for a new login (exit 3) when the saved session is dead and no key is given', async () => {
    await login();
    fake.flushAllowList();
    const run = await cli(['whoami']);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe("deepfence-auth: error: the saved session has expired or is missing: run 'deepfence-auth login' again\n");
  });

  it('reads the console and the key from the environment', async () => {
    const run = await cli(['whoami'], { env: { DEEPFENCE_CONSOLE_URL: fake.url, DEEPFENCE_API_KEY: fake.apiKey } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('email: ada@example.com');
  });

  it('reports a wrong key with exit 3, without echoing it', async () => {
    const run = await cli(['login', '--console-url', fake.url, '--api-key-stdin'], { stdin: 'wrong-key-0123456789' });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no active user has this API key/);
    expect(run.stderr).not.toContain('wrong-key-0123456789');
  });

  it('reports an unreachable console with exit 1, and shows the stack only with --debug', async () => {
    const closed = await FakeConsole.start();
    await closed.close();
    const plain = await cli(['whoami', '--console-url', closed.url, '--api-key', 'k-0123456789']);
    expect(plain.code).toBe(1);
    // Retries are announced as warnings; the error itself is one line, without a stack.
    const lines = plain.stderr.trim().split('\n');
    expect(lines.slice(0, -1).every((line) => line.startsWith('deepfence-auth: warning: '))).toBe(true);
    expect(lines.at(-1)).toMatch(/^deepfence-auth: error: authenticateApi: could not connect to .* connection refused/);
    const debug = await cli(['whoami', '--console-url', closed.url, '--api-key', 'k-0123456789', '--debug', '--timeout-ms', '2000']);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('reset-api-key', () => {
  it('refuses to run without confirmation when there is no terminal', async () => {
    await login();
    const run = await cli(['reset-api-key']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs confirmation: pass --yes/);
    expect(fake.seen('reset')).toHaveLength(0);
  });

  it('with --yes prints the new key once and says the old one is dead', async () => {
    await login();
    const oldKey = fake.apiKey;
    const run = await cli(['reset-api-key', '--yes'], { secretsExpected: true });
    expect(run.code).toBe(0);
    expect(fake.apiKey).not.toBe(oldKey);
    expect(run.stdout.split(fake.apiKey)).toHaveLength(2);
    expect(run.stdout).toMatch(/The old API key no longer works: update every sensor, agent and script that used it\./);
    const json = await cli(['reset-api-key', '--yes', '--json'], { secretsExpected: true });
    expect(JSON.parse(json.stdout)).toEqual({ apiKey: fake.apiKey, oldKeyRevoked: true, console: fake.url });
  });
});

describe('TLS', () => {
  it('refuses a self-signed console with a hint, trusts it with --ca-file or --pin-sha256, and warns with --insecure', async () => {
    const refused = await login(https);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/certificate of https:\/\/127\.0\.0\.1:\d+ not trusted .*pass tls\.ca/);
    const caFile = path.join(configDir, 'console.crt');
    await (await import('node:fs/promises')).writeFile(caFile, cert.cert);
    expect((await login(https, ['--ca-file', caFile])).code).toBe(0);
    expect((await cli(['whoami', '--pin-sha256', cert.fingerprint256])).code).toBe(0);
    const insecure = await cli(['whoami', '--insecure']);
    expect(insecure.code).toBe(0);
    expect(insecure.stderr).toMatch(/^deepfence-auth: warning: tls\.rejectUnauthorized is false/);
  });

  it('names an unreadable --ca-file', async () => {
    const run = await cli(['whoami', '--console-url', https.url, '--ca-file', '/nonexistent.crt']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('deepfence-auth: error: cannot read --ca-file /nonexistent.crt: ENOENT\n');
  });
});
