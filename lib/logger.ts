import { pino } from 'pino';

/**
 * The structured log of everything outside workflow and activity code: JSON lines on stderr, so that stdout
 * carries only what a command prints for its user. `LOG_LEVEL` sets the level.
 *
 * @default level `info`
 */
export const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination({ fd: 2, sync: true }));
