import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadAdultFile } from '../domain/dataset.js';
import { treeShap } from '../domain/shap/tree-shap.js';
import { parseXGBoostModel } from '../domain/xgboost-model.js';

/** Explains rows [first, end) of adult.test each time the parent asks, after one untimed warm-up run. */
const { modelPath, first, end } = workerData as { modelPath: string; first: number; end: number };
const model = parseXGBoostModel(readFileSync(modelPath, 'utf8'), modelPath);
const features = loadAdultFile('test').features;
const rows = {
  rows: end - first,
  cols: features.cols,
  data: features.data.subarray(first * features.cols, end * features.cols),
};
treeShap(model, rows);

parentPort!.on('message', () => {
  const values = treeShap(model, rows).values.data;
  parentPort!.postMessage(values, [values.buffer as ArrayBuffer]);
});
parentPort!.postMessage('ready');
