import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { InputError } from '../domain/errors.js';
import { writeFileAtomic } from './files.js';

/** Where an exported history went and what it holds. */
export interface ExportedHistory {
  path: string;
  workflowId: string;
  runId: string;
  events: number;
}

/**
 * Writes the event history of one workflow run to a JSON file, in the format `temporal workflow show --output json`
 * writes and `Worker.runReplayHistory` replays. Without a run id, the latest run of the workflow.
 */
export async function exportHistory(
  client: Client,
  options: { workflowId: string; runId?: string; path: string },
): Promise<ExportedHistory> {
  const handle = client.workflow.getHandle(options.workflowId, options.runId);
  let runId: string;
  try {
    runId = (await handle.describe()).runId;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    const run = options.runId === undefined ? '' : `, run ${options.runId}`;
    throw new InputError(`there is no workflow ${options.workflowId}${run}`, {}, 'Check --workflow-id and --run-id');
  }

  const history = await client.workflow.getHandle(options.workflowId, runId).fetchHistory();
  await writeFileAtomic(options.path, historyToJSON(history));
  return { path: options.path, workflowId: options.workflowId, runId, events: history.events?.length ?? 0 };
}
