import { InputError } from '../domain/errors.js';
import { getJson, ObjectExistsError, putJson, type ObjectStore } from './object-store.js';
import type { DataFileChecksum, EvaluationMetrics, Hyperparameters, TrainingMetrics } from './training.js';

/** Why a version was registered: the first model of a registry, or one retrained from a parent. */
export type RegistrationReason = 'initial' | 'retrain';

/** One registered model: where its files are, how it scores and where it came from. */
export interface ModelVersion {
  /** `v0001`, `v0002`, ... in order of registration (past `v9999`, `v10000`). */
  version: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  reason: RegistrationReason;
  /** The version this one was retrained from, if any. */
  parent: string | null;
  hyperparameters: Hyperparameters;
  /** The checksums of the data it was trained, validated and tested on. */
  data: Record<string, DataFileChecksum>;
  xgboostVersion: string;
  validation: EvaluationMetrics;
  test: EvaluationMetrics;
  /** Object keys of the XGBoost JSON model and of its `metrics.json`. */
  modelKey: string;
  metricsKey: string;
}

export interface RegisterInput {
  /** The XGBoost JSON model. */
  model: Uint8Array | string;
  metrics: TrainingMetrics;
  reason: RegistrationReason;
  parent?: string;
  /** @default now */
  createdAt?: Date;
}

interface CurrentPointer {
  version: string;
  updatedAt: string;
}

const VERSION = /^v(\d{4,})$/;

/**
 * Versions of the model in an {@link ObjectStore}: `<prefix>v0001/model.json`, `metrics.json` and
 * `version.json` (written last: a version exists once it is there), and `<prefix>current.json`, the pointer
 * to the version in use.
 */
export class ModelRegistry {
  constructor(
    readonly store: ObjectStore,
    readonly prefix = 'models/',
  ) {}

  /**
   * Stores a new version, numbered after every version registered or being registered. Two processes that
   * register at once get different numbers. It does not become current: see {@link setCurrent}.
   */
  async register(input: RegisterInput): Promise<ModelVersion> {
    const parent = input.parent === undefined ? null : (await this.resolve(input.parent)).version;

    let number = (await this.claimedNumbers()).reduce((highest, n) => Math.max(highest, n), 0) + 1;
    while (!(await this.claim(number, input.model))) number++;

    const { metrics } = input;
    const version = formatVersion(number);
    const entry: ModelVersion = {
      version,
      createdAt: (input.createdAt ?? new Date()).toISOString(),
      reason: input.reason,
      parent,
      hyperparameters: metrics.hyperparameters,
      data: metrics.data,
      xgboostVersion: metrics.xgboostVersion,
      validation: metrics.validation,
      test: metrics.test,
      modelKey: this.key(version, 'model.json'),
      metricsKey: this.key(version, 'metrics.json'),
    };
    await putJson(this.store, entry.metricsKey, metrics);
    await putJson(this.store, this.key(version, 'version.json'), entry);
    return entry;
  }

  /** Every registered version, oldest first. */
  async listVersions(): Promise<ModelVersion[]> {
    const registered = (await this.store.list(this.prefix))
      .map((info) => this.parseKey(info.key))
      .filter((parsed) => parsed?.file === 'version.json')
      .sort((a, b) => a!.number - b!.number);
    return Promise.all(
      registered.map((parsed) => getJson<ModelVersion>(this.store, this.key(parsed!.version, 'version.json'))),
    );
  }

  /** One version, or undefined when it is not registered. */
  async getVersion(version: string): Promise<ModelVersion | undefined> {
    checkVersion(version);
    const key = this.key(version, 'version.json');
    return (await this.store.head(key)) === undefined ? undefined : getJson<ModelVersion>(this.store, key);
  }

  /** The version in use, or undefined before any is set. */
  async getCurrent(): Promise<ModelVersion | undefined> {
    if ((await this.store.head(this.currentKey)) === undefined) return undefined;
    const pointer = await getJson<CurrentPointer>(this.store, this.currentKey);
    return this.getVersion(pointer.version);
  }

  /** Points `current` at a registered version; the pointer is replaced in one write. */
  async setCurrent(version: string): Promise<ModelVersion> {
    const entry = await this.resolve(version);
    const pointer: CurrentPointer = { version: entry.version, updatedAt: new Date().toISOString() };
    await putJson(this.store, this.currentKey, pointer);
    return entry;
  }

  /** `current` or a version name such as `v0003`; throws an {@link InputError} when there is no such version. */
  async resolve(ref: string): Promise<ModelVersion> {
    if (ref === 'current') {
      const current = await this.getCurrent();
      if (current === undefined) {
        throw new InputError(
          'no model version is current',
          { field: 'version' },
          'Register a version and set it current',
        );
      }
      return current;
    }
    const entry = await this.getVersion(ref);
    if (entry === undefined) {
      const known = (await this.listVersions()).map((v) => v.version);
      const fix =
        known.length === 0 ? 'The registry is empty: train and register a model' : `Use one of: ${known.join(', ')}`;
      throw new InputError(`model version '${ref}' is not registered`, { field: 'version' }, fix);
    }
    return entry;
  }

  /** The XGBoost JSON model of a version. */
  async getModel(version: ModelVersion): Promise<Uint8Array> {
    return this.store.get(version.modelKey);
  }

  async getMetrics(version: ModelVersion): Promise<TrainingMetrics> {
    return getJson<TrainingMetrics>(this.store, version.metricsKey);
  }

  private get currentKey(): string {
    return `${this.prefix}current.json`;
  }

  private key(version: string, file: string): string {
    return `${this.prefix}${version}/${file}`;
  }

  /** A version's number is taken once its model is stored, even before `version.json` is written. */
  private async claim(number: number, model: Uint8Array | string): Promise<boolean> {
    try {
      await this.store.put(this.key(formatVersion(number), 'model.json'), model, { ifAbsent: true });
      return true;
    } catch (error) {
      if (error instanceof ObjectExistsError) return false;
      throw error;
    }
  }

  private async claimedNumbers(): Promise<number[]> {
    return (await this.store.list(this.prefix))
      .map((info) => this.parseKey(info.key))
      .filter((parsed) => parsed !== undefined)
      .map((parsed) => parsed.number);
  }

  private parseKey(key: string): { version: string; number: number; file: string } | undefined {
    const [version = '', file, ...rest] = key.slice(this.prefix.length).split('/');
    const match = VERSION.exec(version);
    return match && file !== undefined && rest.length === 0 ? { version, number: Number(match[1]), file } : undefined;
  }
}

function formatVersion(number: number): string {
  return `v${String(number).padStart(4, '0')}`;
}

function checkVersion(version: string): void {
  if (!VERSION.test(version)) {
    throw new InputError(
      `'${version}' is not a model version`,
      { field: 'version' },
      'Write current or a version such as v0001',
    );
  }
}
