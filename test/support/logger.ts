// A console-compatible logger that keeps every line, prefixed with its level, for assertions.
import type { Logger } from '../../src/index';

export interface CapturingLogger extends Logger {
  lines: string[];
}

export function captureLogger(): CapturingLogger {
  const lines: string[] = [];
  const at = (level: string) => (message: string, ...rest: unknown[]) => void lines.push([`${level} ${message}`, ...rest.map(String)].join(' '));
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
