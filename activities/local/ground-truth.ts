/**
 * The ground truth of a pipeline: an append-only, versioned dataset of everything reviewers said. Each batch adds
 * one immutable part, `parts/<batchId>-<sha256>.csv`, and one new version, `v0003/manifest.json`, that lists every
 * part so far. Both are create-only writes, so a retried or replayed write of a batch finds its version and adds
 * nothing, and two writers can never both take one version number.
 */
import { log } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { InputError } from '../../domain/errors.js';
import {
  getJson,
  getText,
  ObjectExistsError,
  ObjectNotFoundError,
  putJson,
  type ObjectStore,
} from '../../lib/object-store.js';
import type { RetrainPolicy } from '../../workflows/review-types.js';
import type { ReviewActivities } from '../interfaces.js';
import { pipelinePrefix } from './batch-objects.js';
import { putImmutable, type LocalContext } from './context.js';
import {
  formatGroundTruthCsv,
  GROUND_TRUTH_COLUMNS,
  groundTruthRows,
  parseGroundTruthCsv,
  type GroundTruthRow,
} from './ground-truth-csv.js';

/** One batch's part of the ground truth. */
export interface GroundTruthPart {
  batchId: string;
  key: string;
  sha256: string;
  rows: number;
  agreed: number;
  disagreed: number;
  /** Records no reviewer answered: the task expired or was cancelled. */
  unanswered: number;
  modelVersion: string;
  /** The version that added this part. */
  addedIn: string;
}

/** One version of the ground truth: every part written up to it, oldest first. */
export interface GroundTruthManifest {
  pipelineId: string;
  version: string;
  /** ISO 8601. */
  createdAt: string;
  columns: string[];
  rows: number;
  /** Rows with a reviewer's verdict, and how many of those overturned the model. */
  labels: number;
  overturned: number;
  parts: GroundTruthPart[];
}

const VERSION_KEY = /\/v(\d{4,})\/manifest\.json$/;

export function groundTruthPrefix(pipelineId: string): string {
  return `${pipelinePrefix(pipelineId)}/ground-truth`;
}

export function manifestKey(pipelineId: string, version: string): string {
  return `${groundTruthPrefix(pipelineId)}/${version}/manifest.json`;
}

export function createGroundTruthActivities(
  context: LocalContext,
): Pick<ReviewActivities, 'writeGroundTruth' | 'evaluateRetrainPolicy'> {
  const { store } = context;
  return {
    /** Returns the version that holds the batch, its manifest's key, and the rows the batch added. */
    async writeGroundTruth({ pipelineId, batch, modelVersion, records, decisions }) {
      const rows = groundTruthRows(batch.batchId, modelVersion, records, decisions);
      const csv = formatGroundTruthCsv(rows);
      const sha256 = createHash('sha256').update(csv).digest('hex');
      const partKey = `${groundTruthPrefix(pipelineId)}/parts/${batch.batchId}-${sha256.slice(0, 16)}.csv`;

      for (;;) {
        const latest = await latestManifest(store, pipelineId);
        const present = latest?.parts.find((part) => part.batchId === batch.batchId);
        if (present !== undefined) {
          if (present.sha256 !== sha256) {
            log.warn('The ground truth already holds other verdicts on this batch; they stay', {
              pipelineId,
              batchId: batch.batchId,
              version: present.addedIn,
            });
          }
          return { version: present.addedIn, key: manifestKey(pipelineId, present.addedIn), rows: present.rows };
        }

        await putImmutable(store, partKey, csv, 'a part is named by the hash of its content');
        const version = formatVersion(latest === undefined ? 1 : versionNumber(latest.version) + 1);
        const part = partOf(batch.batchId, partKey, sha256, modelVersion, rows, version);
        const parts = [...(latest?.parts ?? []), part];
        const manifest: GroundTruthManifest = {
          pipelineId,
          version,
          createdAt: new Date().toISOString(),
          columns: [...GROUND_TRUTH_COLUMNS],
          rows: parts.reduce((sum, p) => sum + p.rows, 0),
          labels: parts.reduce((sum, p) => sum + p.agreed + p.disagreed, 0),
          overturned: parts.reduce((sum, p) => sum + p.disagreed, 0),
          parts,
        };
        try {
          await putJson(store, manifestKey(pipelineId, version), manifest, { ifAbsent: true });
          return { version, key: manifestKey(pipelineId, version), rows: part.rows };
        } catch (error) {
          // Another writer took this version first: look again, at what it wrote.
          if (!(error instanceof ObjectExistsError)) throw error;
        }
      }
    },

    async evaluateRetrainPolicy({ pipelineId, groundTruthVersion, policy }) {
      const key = manifestKey(pipelineId, groundTruthVersion);
      const manifest = await getJson<GroundTruthManifest>(store, key).catch((error: unknown) => {
        if (!(error instanceof ObjectNotFoundError)) throw error;
        throw new InputError(`pipeline ${pipelineId} has no ground truth ${groundTruthVersion}`, { file: key });
      });
      return retrainDecision(manifest, policy);
    },
  };
}

/** Whether the ground truth of a version calls for a new model under a policy, and why, in a sentence. */
export function retrainDecision(
  manifest: Pick<GroundTruthManifest, 'version' | 'labels' | 'overturned'>,
  policy: RetrainPolicy,
): { retrain: boolean; reason: string } {
  if (policy.kind === 'never') return { retrain: false, reason: 'The retrain policy is never' };
  const { labels, overturned, version } = manifest;
  const rate = labels === 0 ? 0 : overturned / labels;
  const share = `${overturned} of ${labels} reviewed records (${percent(rate)}) overturned in ground truth ${version}`;
  if (labels < policy.minLabels) {
    return { retrain: false, reason: `${share}; the policy waits for ${policy.minLabels} reviewed records` };
  }
  if (rate < policy.minOverturnRate) {
    return {
      retrain: false,
      reason: `${share}, below the ${percent(policy.minOverturnRate)} that calls for a new model`,
    };
  }
  return {
    retrain: true,
    reason: `${share}, at least the ${percent(policy.minOverturnRate)} that calls for a new model`,
  };
}

/** The newest version of a pipeline's ground truth, or undefined before its first batch. */
export async function latestManifest(store: ObjectStore, pipelineId: string): Promise<GroundTruthManifest | undefined> {
  const numbers = (await store.list(`${groundTruthPrefix(pipelineId)}/v`))
    .map((info) => VERSION_KEY.exec(info.key))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]));
  if (numbers.length === 0) return undefined;
  return getJson<GroundTruthManifest>(store, manifestKey(pipelineId, formatVersion(Math.max(...numbers))));
}

/** Every row of a ground-truth version, part after part. */
export async function readGroundTruth(
  store: ObjectStore,
  key: string,
): Promise<{ manifest: GroundTruthManifest; rows: GroundTruthRow[] }> {
  const manifest = await getJson<GroundTruthManifest>(store, key);
  const parts = await Promise.all(
    manifest.parts.map(async (part) => parseGroundTruthCsv(await getText(store, part.key), part.key)),
  );
  return { manifest, rows: parts.flat() };
}

function partOf(
  batchId: string,
  key: string,
  sha256: string,
  modelVersion: string,
  rows: readonly GroundTruthRow[],
  addedIn: string,
): GroundTruthPart {
  const count = (status: string) => rows.filter((row) => row.status === status).length;
  const agreed = count('AGREED');
  const disagreed = count('DISAGREED');
  const unanswered = rows.length - agreed - disagreed;
  return { batchId, key, sha256, rows: rows.length, agreed, disagreed, unanswered, modelVersion, addedIn };
}

function formatVersion(number: number): string {
  return `v${String(number).padStart(4, '0')}`;
}

function versionNumber(version: string): number {
  const match = /^v(\d{4,})$/.exec(version);
  if (match === null) throw new InputError(`'${version}' is not a ground-truth version`, { field: 'version' });
  return Number(match[1]);
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
