// Levelled logging. Every line goes through the client's redactor before it reaches the logger.

/** Anything shaped like `console`: pino, winston and console itself fit. */
export interface Logger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

export type LogFn = (message: string) => void;

export interface Log {
  error: LogFn | undefined;
  warn: LogFn | undefined;
  info: LogFn | undefined;
  debug: LogFn | undefined;
}

/**
 * Binds a logger to a level. A level that is off is `undefined`, so a call site pays nothing for a line
 * nobody reads: `log.debug?.(...)` does not even build the message.
 */
export function createLog(logger: Logger, level: LogLevel, redact: (text: string) => string): Log {
  const at = (name: Exclude<LogLevel, 'off'>): LogFn | undefined =>
    RANK[level] >= RANK[name] ? (message) => logger[name](`[deepfence] ${redact(message)}`) : undefined;
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
