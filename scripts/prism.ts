// Starts Prism (mock or validating proxy) on a free loopback port and stops exactly that process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const SPEC_PATH = path.resolve(__dirname, '../spec/deepfence-auth.yaml');

export interface RunningPrism {
  url: string;
  child: ChildProcess;
  /** Everything Prism printed, for reporting violations. */
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `mode` is `['mock']` or `['proxy', upstreamUrl, '--errors']`. */
export async function startPrism(mode: string[]): Promise<RunningPrism> {
  const port = await freePort();
  const cli = require.resolve('@stoplight/prism-cli/dist/index.js');
  const [command, ...rest] = mode;
  const child = spawn(process.execPath, [cli, command!, SPEC_PATH, ...rest, '-p', String(port), '-h', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onExit = () => reject(new Error(`Prism exited before listening:\n${output}`));
    child.once('exit', onExit);
    const onData = () => {
      if (output.includes('Prism is listening')) {
        child.off('exit', onExit);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
