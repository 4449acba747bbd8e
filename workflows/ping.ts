import { log, proxyActivities, sleep } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type * as activities from '../activities/index.js';
import type { HostDescription } from '../activities/host.js';

const { describeHost } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

/** What {@link pingWorkflow} is asked to do. */
export interface PingInput {
  /** Echoed back in the result, so a caller can tell its pings apart. */
  message: string;
  /** A durable timer to wait on after the activity, e.g. `'30 days'`; none when absent. */
  pause?: Duration;
}

/** What {@link pingWorkflow} found. */
export interface PingResult {
  message: string;
  host: HostDescription;
  /** Time that passed on the workflow's clock while it paused. */
  pausedMs: number;
}

/**
 * Proves that the server, a worker and its activities work together: runs one activity on a worker, then
 * optionally waits on a durable timer.
 */
export async function pingWorkflow(input: PingInput): Promise<PingResult> {
  const host = await describeHost.executeWithOptions({ summary: 'Ask a worker which host it runs on' }, []);
  log.info('Ping reached a worker', { workerHost: host.hostname, workerPid: host.pid });

  const before = Date.now();
  if (input.pause !== undefined) {
    await sleep(input.pause, { summary: `Pause for ${String(input.pause)}` });
  }

  return { message: input.message, host, pausedMs: Date.now() - before };
}
