/** What pages load besides themselves: the app's style sheet and script, and the records' waterfall plots. */
import { readFileSync } from 'node:fs';
import { batchPrefix } from '../../activities/local/batch-objects.js';
import { plotKeys, plotPng } from '../../activities/local/plots.js';
import { checkObjectKey, ObjectNotFoundError } from '../../lib/object-store.js';
import { signedIn, type RequestContext } from '../context.js';
import { HttpError } from '../http.js';
import { mayReview } from '../reviewers.js';

interface Asset {
  type: string;
  body: Buffer;
}

/** The static files, read once; a URL can name only these, never a path on disk. */
const assets = new Map<string, Asset>(
  [
    ['app.css', 'text/css; charset=utf-8'],
    ['task.js', 'text/javascript; charset=utf-8'],
  ].map(([name, type]) => [name!, { type: type!, body: readFileSync(new URL(`../static/${name}`, import.meta.url)) }]),
);

export async function serveAsset(context: RequestContext): Promise<void> {
  const asset = assets.get(context.params.name!);
  if (asset === undefined) throw new HttpError(404, 'Not found', 'There is no such file.');
  const { response } = context;
  response.setHeader('Content-Type', asset.type);
  response.setHeader('Cache-Control', 'no-cache');
  response.end(asset.body);
}

/**
 * A record's waterfall plot as PNG, drawn from its SVG on the first request. The keys come from the task itself,
 * never from the URL, and must be the plot of that record in its batch's plot folder, so no other object of the
 * store can be reached this way.
 */
export async function servePlot(context: RequestContext): Promise<void> {
  const session = signedIn(context);
  const { tasks, store } = context.services;
  const missing = new HttpError(404, 'No such plot', 'This record has no plot, or the task is not offered to you.');

  const facts = await tasks.factsOf(context.params.taskId!);
  if (facts === undefined || !mayReview(session.reviewer.groups, facts.groups)) throw missing;
  const record = facts.records.find((candidate) => candidate.rowId === context.params.rowId);
  if (record === undefined) throw missing;
  const keys = plotKeys(batchPrefix(facts.pipelineId, facts.batchId), record.rowId);
  if (record.plotPngKey !== keys.plotPngKey || record.plotSvgKey !== keys.plotSvgKey) throw missing;
  try {
    checkObjectKey(keys.plotPngKey);
    checkObjectKey(keys.plotSvgKey);
  } catch {
    throw missing;
  }

  let body: Uint8Array;
  try {
    body = await plotPng(store, keys);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw missing;
    throw error;
  }
  const { response } = context;
  response.setHeader('Content-Type', 'image/png');
  // A plot never changes once drawn; only the signed-in reviewer's browser keeps it.
  response.setHeader('Cache-Control', 'private, max-age=3600');
  response.end(body);
}
