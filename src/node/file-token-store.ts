// A token store in a file only its owner can read, written atomically (temp file, then rename), so that
// a crash never leaves half a session and another process never reads one. Node only.
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SessionTokens, TokenStore } from '../token-store';

/** Keeps the session in `filePath` (mode 0600, its folder 0700). */
export function fileTokenStore(filePath: string): TokenStore {
  if (typeof filePath !== 'string' || filePath.trim() === '') {
    throw new TypeError('fileTokenStore needs a file path, e.g. path.join(os.homedir(), ".config/deepfence/session.json")');
  }
  const target = path.resolve(filePath);
  return {
    async get() {
      let text: string;
      try {
        text = await readFile(target, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      let parsed: Partial<SessionTokens>;
      try {
        parsed = JSON.parse(text) as Partial<SessionTokens>;
      } catch {
        throw new Error(`${target} is not a session file (not JSON); delete it to start a new session`);
      }
      return typeof parsed.accessToken === 'string' && typeof parsed.refreshToken === 'string'
        ? { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken }
        : undefined;
    },
    async set(tokens) {
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temp, JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }), { mode: 0o600, flag: 'wx' });
        await chmod(temp, 0o600); // the umask may have narrowed the mode; never widen it past 0600
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async clear() {
      await rm(target, { force: true });
    },
  };
}
