import { parseNumericCsv } from './csv.js';
import { FEATURE_NAMES } from './schema.js';
import { predictProbabilities, type XGBoostModel } from './xgboost-model.js';

/**
 * What a SageMaker batch transform of a binary:logistic model returns for a CSV of encoded features:
 * one probability of the positive class per input row, one per line, in input order.
 * @param file named in errors about the input
 */
export function transformCsv(model: XGBoostModel, csv: string, file: string): string {
  const features = parseNumericCsv(
    csv,
    file,
    model.numFeatures === FEATURE_NAMES.length ? FEATURE_NAMES : model.numFeatures,
  );
  const probabilities = predictProbabilities(model, features);
  let out = '';
  for (const probability of probabilities) out += `${probability}\n`;
  return out;
}

/** The name SageMaker gives a transform's output: the input's file name with `.out` added. */
export function transformOutputName(inputName: string): string {
  return `${inputName}.out`;
}
