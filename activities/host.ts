import { activityInfo } from '@temporalio/activity';
import { hostname } from 'node:os';

/** Which worker process ran an activity. */
export interface HostDescription {
  hostname: string;
  pid: number;
  nodeVersion: string;
  taskQueue: string;
}

/** Describes the worker process it runs in, so a caller can see that a worker picked up its work. */
export async function describeHost(): Promise<HostDescription> {
  return { hostname: hostname(), pid: process.pid, nodeVersion: process.version, taskQueue: activityInfo().taskQueue };
}
