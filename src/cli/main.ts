// deepfence-auth: the operators' CLI. Parses the command line, builds a client whose session lives in a
// file only the user can read, runs one command, prints the result (or one line of error) and exits with a
// documented code.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  AuthenticationError,
  DeepfenceConfigurationError,
  DeepfenceError,
  NotFoundError,
  createDeepfenceClient,
  fileTokenStore,
  type DeepfenceClient,
  type Logger,
  type TlsOptions,
} from '../index';
import { readJwtExpiry } from '../jwt';
import { MASK } from '../redact';
import { EXIT, UsageError, helpText, parseArgs, type CommandName } from './args';

/** The saved session expired and no API key was given to start a new one. */
class LoginRequiredError extends DeepfenceError {
  override readonly name: string = 'LoginRequiredError';
}

interface Context {
  flags: Record<string, string | true>;
  json: boolean;
  out: (text: string) => void;
  configDir: string;
}

function configDir(env: NodeJS.ProcessEnv): string {
  if (env.DEEPFENCE_CONFIG_DIR) return path.resolve(env.DEEPFENCE_CONFIG_DIR);
  return path.join(env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(homedir(), '.config'), 'deepfence');
}

const sessionFile = (ctx: Context) => path.join(ctx.configDir, 'session.json');
const consoleFile = (ctx: Context) => path.join(ctx.configDir, 'console.json');

async function savedConsole(ctx: Context): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(consoleFile(ctx), 'utf8')) as { consoleUrl?: string }).consoleUrl;
  } catch {
    return undefined;
  }
}

async function consoleUrl(ctx: Context): Promise<string> {
  const url = (ctx.flags['console-url'] as string | undefined) ?? process.env.DEEPFENCE_CONSOLE_URL ?? (await savedConsole(ctx));
  if (!url) throw new UsageError('no console URL: pass --console-url https://<console> or set DEEPFENCE_CONSOLE_URL (or log in first)');
  return url;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--api-key-stdin reads a pipe, e.g. `pass show deepfence | deepfence-auth login --api-key-stdin`');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The API key from stdin, the flag or the environment; undefined when none was given. */
async function givenApiKey(ctx: Context): Promise<string | undefined> {
  if (ctx.flags['api-key-stdin']) return readStdin();
  return (ctx.flags['api-key'] as string | undefined) ?? process.env.DEEPFENCE_API_KEY;
}

function tlsOptions(ctx: Context): TlsOptions | undefined {
  const tls: TlsOptions = {};
  const caFile = ctx.flags['ca-file'] as string | undefined;
  if (caFile) {
    try {
      tls.ca = readFileSync(caFile);
    } catch (error) {
      throw new UsageError(`cannot read --ca-file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  if (ctx.flags['pin-sha256']) tls.pinnedSha256 = ctx.flags['pin-sha256'] as string;
  if (ctx.flags.insecure) tls.rejectUnauthorized = false;
  return Object.keys(tls).length > 0 ? tls : undefined;
}

function stderrLogger(): Logger {
  const write = (level: string) => (message: string) => process.stderr.write(`deepfence-auth: ${level}: ${message.replace(/^\[deepfence\] /, '')}\n`);
  return { debug: write('debug'), info: write('info'), warn: write('warning'), error: write('error') };
}

async function makeClient(ctx: Context, requireKey: boolean): Promise<{ client: DeepfenceClient; url: string }> {
  const url = await consoleUrl(ctx);
  const key = await givenApiKey(ctx);
  if (requireKey && key === undefined) {
    throw new UsageError('no API key: pipe it to --api-key-stdin (recommended), or set DEEPFENCE_API_KEY, or pass --api-key');
  }
  const timeout = ctx.flags['timeout-ms'] === undefined ? undefined : Number(ctx.flags['timeout-ms']);
  const client = createDeepfenceClient({
    baseUrl: url,
    apiKey:
      key ??
      (() => {
        throw new LoginRequiredError("the saved session has expired or is missing: run 'deepfence-auth login' again");
      }),
    tokenStore: fileTokenStore(sessionFile(ctx)),
    tls: tlsOptions(ctx),
    logger: stderrLogger(),
    logLevel: ctx.flags.debug ? 'debug' : 'warn',
    ...(timeout === undefined ? {} : { timeoutMs: timeout }),
  });
  return { client, url: client.baseUrl };
}

function maskedUser(user: Record<string, unknown>): Record<string, unknown> {
  return { ...user, api_key: MASK };
}

function printUser(ctx: Context, user: Record<string, unknown>, extra: Record<string, unknown> = {}): void {
  if (ctx.json) return ctx.out(JSON.stringify({ ...extra, user: maskedUser(user) }));
  for (const [k, v] of Object.entries(extra)) ctx.out(`${k}: ${String(v)}`);
  const fields = ['email', 'first_name', 'last_name', 'company', 'role', 'id', 'isActive'];
  for (const field of fields) if (field in user) ctx.out(`${field}: ${String(user[field])}`);
}

async function confirmReset(ctx: Context, url: string): Promise<boolean> {
  if (ctx.flags.yes) return true;
  if (!process.stdin.isTTY) throw new UsageError('reset-api-key needs confirmation: pass --yes when running without a terminal');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`Rotate the API key on ${url}? The old key stops working at once for every sensor and script. Type 'reset' to go on: `);
  prompt.close();
  return answer.trim() === 'reset';
}

const COMMAND_RUNNERS: Record<CommandName, (ctx: Context) => Promise<number>> = {
  async login(ctx) {
    const { client, url } = await makeClient(ctx, true);
    await client.authenticateApi();
    const user = await client.getUserDetails();
    await mkdir(ctx.configDir, { recursive: true, mode: 0o700 });
    await writeFile(consoleFile(ctx), JSON.stringify({ consoleUrl: url }), { mode: 0o600 });
    if (ctx.json) ctx.out(JSON.stringify({ console: url, sessionFile: sessionFile(ctx), user: maskedUser(user) }));
    else ctx.out(`Logged in to ${url} as ${user.email} (${user.role}). Session saved in ${sessionFile(ctx)} (readable only by you).`);
    return EXIT.ok;
  },

  async whoami(ctx) {
    const { client, url } = await makeClient(ctx, false);
    printUser(ctx, await client.getUserDetails(), { console: url });
    return EXIT.ok;
  },

  async refresh(ctx) {
    const { client } = await makeClient(ctx, false);
    const { access_token } = await client.refreshJwtToken();
    const expiresAt = readJwtExpiry(access_token);
    const until = expiresAt === undefined ? 'unknown' : new Date(expiresAt).toISOString();
    ctx.out(ctx.json ? JSON.stringify({ refreshed: true, expiresAt: until }) : `Access token refreshed; valid until ${until}.`);
    return EXIT.ok;
  },

  async 'reset-api-key'(ctx) {
    const { client, url } = await makeClient(ctx, false);
    if (!(await confirmReset(ctx, url))) {
      process.stderr.write('deepfence-auth: reset cancelled; the API key is unchanged\n');
      return EXIT.notConfirmed;
    }
    const result = await client.resetApiKey();
    if (ctx.json) {
      ctx.out(JSON.stringify({ apiKey: result.api_key, oldKeyRevoked: true, console: url }));
    } else {
      ctx.out(`New API key: ${result.api_key}`);
      ctx.out('The old API key no longer works: update every sensor, agent and script that used it. Store the new key now; it is not shown again.');
    }
    return EXIT.ok;
  },

  async logout(ctx) {
    const file = sessionFile(ctx);
    await fileTokenStore(file).clear();
    await rm(consoleFile(ctx), { force: true });
    ctx.out(ctx.json ? JSON.stringify({ loggedOut: true }) : `Logged out; removed ${file}.`);
    return EXIT.ok;
  },
};

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof DeepfenceConfigurationError) return EXIT.usage;
  if (error instanceof LoginRequiredError || error instanceof AuthenticationError || error instanceof NotFoundError) return EXIT.authentication;
  return EXIT.failure;
}

export async function main(argv: string[]): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const { command, flags } = parseArgs(argv);
    debug = Boolean(flags.debug);
    if (!command || flags.help) {
      process.stdout.write(`${helpText(command)}\n`);
      return EXIT.ok;
    }
    const ctx: Context = { flags, json: Boolean(flags.json), out: (text) => process.stdout.write(`${text}\n`), configDir: configDir(process.env) };
    return await COMMAND_RUNNERS[command](ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`deepfence-auth: error: ${message}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
