/**
 * What never changes about a review task once it has started: its pipeline, batch, groups, deadlines and records.
 * Kept for the tasks seen lately, so that filtering the queue by group and serving plots does not ask the workflow
 * again; everything that changes (status, decisions, reminders) is always read from the workflow itself.
 */
import type { ReviewRecord, TaskView } from '../workflows/review-types.js';

export interface TaskFacts {
  taskId: string;
  pipelineId: string;
  batchId: string;
  modelVersion: string;
  groups: string[];
  createdAt: string;
  expiresAt: string;
  records: ReviewRecord[];
}

export function factsOf(view: TaskView): TaskFacts {
  const { taskId, pipelineId, batchId, modelVersion, groups, createdAt, expiresAt } = view;
  const records = view.records.map(({ decision: _decision, ...record }) => record);
  return { taskId, pipelineId, batchId, modelVersion, groups, createdAt, expiresAt, records };
}

/** A map that forgets the entries used least lately once it holds `capacity` of them. */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** Runs `fn` over the items, at most `limit` at a time; the results keep the items' order. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
