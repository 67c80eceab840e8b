// Command-line parsing for deepfence-auth: commands, their options and help texts, as data.

export const EXIT = {
  ok: 0,
  /** The console or the network failed (5xx, timeout, connection, unexpected answer). */
  failure: 1,
  /** Wrong command line or configuration. */
  usage: 2,
  /** Not logged in, session expired, API key refused or user inactive: log in (again). */
  authentication: 3,
  /** The user did not confirm a reset. */
  notConfirmed: 4,
} as const;

export type CommandName = 'login' | 'whoami' | 'refresh' | 'reset-api-key' | 'logout';

interface OptionSpec {
  takes?: string;
  help: string;
}

const CONNECTION: Record<string, OptionSpec> = {
  'console-url': { takes: 'URL', help: "the console's origin, e.g. https://10.0.0.5 (env DEEPFENCE_CONSOLE_URL; default: the console of the last login)" },
  'ca-file': { takes: 'PATH', help: "trust this PEM certificate (the console's own, or its CA)" },
  'pin-sha256': { takes: 'FINGERPRINT', help: "accept exactly the certificate with this SHA-256 fingerprint (openssl x509 -noout -fingerprint -sha256)" },
  insecure: { help: 'do not verify the TLS certificate at all (anyone on the network path can then read the key and tokens)' },
  'timeout-ms': { takes: 'MS', help: 'time limit of one request (default 30000)' },
};
const KEY: Record<string, OptionSpec> = {
  'api-key-stdin': { help: 'read the API key from standard input (recommended)' },
  'api-key': { takes: 'KEY', help: 'the API key (env DEEPFENCE_API_KEY); visible to other users in the process list, prefer --api-key-stdin' },
};
const COMMON: Record<string, OptionSpec> = {
  json: { help: 'machine-readable output on stdout' },
  debug: { help: 'log every request to stderr, and show stack traces' },
  help: { help: 'show this help' },
};

export const COMMANDS: Record<CommandName, { summary: string; options: Record<string, OptionSpec> }> = {
  login: { summary: 'authenticate with an API key and keep the session in a file only you can read', options: { ...CONNECTION, ...KEY, ...COMMON } },
  whoami: { summary: 'show the user of the saved session', options: { ...CONNECTION, ...KEY, ...COMMON } },
  refresh: { summary: 'get a new access token with the saved refresh token', options: { ...CONNECTION, ...KEY, ...COMMON } },
  'reset-api-key': {
    summary: 'rotate the API key: prints the new key once; the old key stops working at once',
    options: { ...CONNECTION, ...KEY, yes: { help: 'do not ask for confirmation' }, ...COMMON },
  },
  logout: { summary: 'forget the saved session', options: { json: COMMON.json!, debug: COMMON.debug!, help: COMMON.help! } },
};

export class UsageError extends Error {}

export interface Parsed {
  command: CommandName | undefined;
  flags: Record<string, string | true>;
}

export function parseArgs(argv: string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { command: undefined, flags: { help: true } };
  if (!(first in COMMANDS)) {
    throw new UsageError(`unknown command '${first}'; commands: ${Object.keys(COMMANDS).join(', ')} (see deepfence-auth --help)`);
  }
  const command = first as CommandName;
  const known = COMMANDS[command].options;
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '-h') {
      flags.help = true;
      continue;
    }
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument '${arg}'; see deepfence-auth ${command} --help`);
    const [, name, inline] = match as unknown as [string, string, string | undefined];
    const spec = known[name];
    if (!spec) throw new UsageError(`unknown option --${name} for ${command}; see deepfence-auth ${command} --help`);
    if (!spec.takes) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value: --${name} ${spec.takes}`);
    flags[name] = value;
  }
  return { command, flags };
}

export function helpText(command?: CommandName): string {
  if (!command) {
    const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
    return [
      'deepfence-auth: sign in to a self-hosted Deepfence console (Runtime API v1.5) and manage the session',
      '',
      'Usage: deepfence-auth <command> [options]',
      '',
      'Commands:',
      ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
      '',
      "Run 'deepfence-auth <command> --help' for a command's options.",
      '',
      'Exit codes: 0 done, 1 the console or the network failed, 2 wrong usage, 3 log in (again), 4 reset not confirmed.',
      'The session is kept in $DEEPFENCE_CONFIG_DIR, or $XDG_CONFIG_HOME/deepfence, or ~/.config/deepfence (mode 0600).',
    ].join('\n');
  }
  const options = Object.entries(COMMANDS[command].options).map(([name, o]) => [`--${name}${o.takes ? ` ${o.takes}` : ''}`, o.help] as const);
  const width = Math.max(...options.map(([flag]) => flag.length));
  return [
    `deepfence-auth ${command}: ${COMMANDS[command].summary}`,
    '',
    `Usage: deepfence-auth ${command} [options]`,
    '',
    'Options:',
    ...options.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
  ].join('\n');
}
