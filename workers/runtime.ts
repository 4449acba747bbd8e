import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { logger } from '../lib/logger.js';

const pinoLevels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** Sends the SDK's logs, and those of workflows and activities, to the project's pino logger. */
class PinoLogger implements Logger {
  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    logger[pinoLevels[level]](meta, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let installed = false;

/**
 * Installs the Temporal runtime with structured logging. Call it once, before the first connection or worker;
 * later calls do nothing.
 *
 * @param shutdownSignals signals on which the SDK shuts workers down by itself; pass `[]` to handle them yourself.
 * @default shutdownSignals `['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2']`
 */
export function installRuntime(shutdownSignals?: NodeJS.Signals[]): void {
  if (installed) return;
  Runtime.install({
    logger: new PinoLogger(),
    shutdownSignals,
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
  installed = true;
}
