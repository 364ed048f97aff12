import { pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../queue/processor/options.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** pino JSON lines on stdout; readable lines when stdout is a terminal. */
export function createLogger(level: LogLevelName): Pino {
  const opts = { level, base: { pid: process.pid } };
  if (process.stdout.isTTY) return pino(opts, pretty({ colorize: true, destination: 1 }));
  return pino(opts, pino.destination({ dest: 1, sync: false }));
}

/** The engine's log calls, as pino log lines. */
export function engineLogger(log: Pino): Logger {
  return (level, message, fields) => log[level](fields ?? {}, message);
}
