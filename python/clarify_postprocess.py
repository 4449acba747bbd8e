"""Post-processing of a SageMaker Clarify explainability run beside a batch transform, as AWS's published example
does it with pandas: it reads the local SHAP values, the transform's predictions and the expected value, joins
them row by row and labels each row with a 0.5 threshold.

    clarify_postprocess.py --explanations DIR --predictions X.csv.out --out JOINED.csv

DIR is the output folder of the explainability run (explanations_shap/out.csv and analysis.json); X.csv.out is the
transform's output, one probability per line. JOINED.csv gets the probability, the predicted label and the SHAP
values of every row. stdout gets a JSON summary: the row count, how many rows are labelled 1, and the largest gap
between expected_value plus a row's SHAP values and its prediction (0 up to rounding when the values are in
probability units, that is without use_logit).
"""

import argparse
import json
import os

import numpy as np
import pandas as pd

THRESHOLD = 0.5


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--explanations", required=True)
    parser.add_argument("--predictions", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    local = pd.read_csv(os.path.join(args.explanations, "explanations_shap", "out.csv"))
    local.columns = [column.replace("_label0", "") for column in local.columns]
    with open(os.path.join(args.explanations, "analysis.json")) as file:
        analysis = json.load(file)
    expected_value = analysis["explanations"]["kernel_shap"]["label0"]["expected_value"]

    predictions = pd.read_csv(args.predictions, header=None, names=["probability"])
    joined = predictions.join(local)
    joined.insert(1, "predicted_label", (joined["probability"] > THRESHOLD).astype(int))
    joined.to_csv(args.out, index=False)

    explained = expected_value + local.sum(axis=1)
    gap = float(np.max(np.abs(explained - predictions["probability"]))) if len(local) else 0.0
    summary = {
        "rows": len(joined),
        "labelled_1": int(joined["predicted_label"].sum()),
        "expected_value": expected_value,
        "max_additivity_gap": gap,
        "columns": list(local.columns),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
