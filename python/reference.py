"""The real XGBoost library's answers, for the tests and benchmarks that check review-cycle against it.

    reference.py [--threads N] predict  --model M.json --input X.csv --out P.txt [--margin] [--repeat N]
    reference.py [--threads N] contribs --model M.json --input X.csv --out C.csv [--repeat N]
    reference.py [--threads N] shap-tree --model M.json --input X.csv --out C.csv [--repeat N]
    reference.py [--threads N] shap-kernel --model M.json --input X.csv --baseline B.csv --out V.csv
                 --nsamples N [--logit] [--rows N] [--seed N]
    reference.py fixture  --kind gbtree|dart|categorical --input XY.csv --out M.json [--rounds N] [--params JSON]

Inputs are encoded CSVs with no header (fixture: label first); empty fields are missing values.
Numbers are written with 17 significant digits so nothing is lost on the way back.
"""

import argparse
import json
import time

import numpy as np
import pandas as pd
import xgboost as xgb


def read_csv(path):
    return pd.read_csv(path, header=None, dtype=np.float64).to_numpy()


def write_matrix(path, values):
    np.savetxt(path, np.atleast_2d(values.T).T if values.ndim == 1 else values, fmt="%.17g", delimiter=",")


def load(args):
    """The model and the input; a categorical model reads its coded columns as category codes."""
    booster = xgb.Booster(model_file=args.model)
    if args.threads:
        booster.set_param({"nthread": args.threads})
    names, types = booster.feature_names, booster.feature_types
    data = read_csv(args.input)

    def matrix():
        return xgb.DMatrix(data, missing=np.nan, feature_names=names, feature_types=types, enable_categorical=bool(types))

    return booster, matrix


def timed(call, make_matrix, repeat):
    """The call's result and its fastest time over `repeat` runs, in seconds.

    Each run gets a DMatrix of its own, made before the clock starts: xgboost caches predictions per DMatrix.
    """
    best = float("inf")
    for _ in range(repeat):
        matrix = make_matrix()
        started = time.perf_counter()
        result = call(matrix)
        best = min(best, time.perf_counter() - started)
    return result, best


def predict(args):
    booster, matrix = load(args)
    values, seconds = timed(lambda m: booster.predict(m, output_margin=args.margin), matrix, args.repeat)
    write_matrix(args.out, values.astype(np.float64))
    print(f'{{"rows": {len(values)}, "seconds": {seconds}}}')


def contribs(args):
    booster, matrix = load(args)
    values, seconds = timed(lambda m: booster.predict(m, pred_contribs=True), matrix, args.repeat)
    write_matrix(args.out, values.astype(np.float64))
    print(f'{{"rows": {len(values)}, "seconds": {seconds}}}')


def shap_tree(args):
    """The shap package's TreeExplainer, timed from building the explainer to its values; bias column last."""
    import shap

    booster, _ = load(args)
    features = read_csv(args.input)

    def explain(rows):
        explainer = shap.TreeExplainer(booster)
        return explainer.shap_values(rows), explainer.expected_value

    (values, expected), seconds = timed(explain, lambda: features, args.repeat)
    bias = np.full((len(values), 1), expected, dtype=np.float64)
    write_matrix(args.out, np.hstack([values.astype(np.float64), bias]))
    print(json.dumps({"rows": len(values), "seconds": seconds, "shap": shap.__version__}))


def shap_kernel(args):
    """The shap package's KernelExplainer on the model's probabilities, as SageMaker Clarify runs it, without L1
    feature selection (l1_reg=False); timed from building the explainer to its values of the first --rows rows."""
    import shap

    booster, _ = load(args)
    names, types = booster.feature_names, booster.feature_types
    features = read_csv(args.input)
    if args.rows:
        features = features[: args.rows]
    baseline = read_csv(args.baseline)

    def probabilities(rows):
        # From the margin in float64: xgboost's own probabilities are float32, which the logit link would amplify.
        matrix = xgb.DMatrix(
            rows, missing=np.nan, feature_names=names, feature_types=types, enable_categorical=bool(types)
        )
        return 1 / (1 + np.exp(-booster.predict(matrix, output_margin=True).astype(np.float64)))

    np.random.seed(args.seed)
    started = time.perf_counter()
    explainer = shap.KernelExplainer(probabilities, baseline, link="logit" if args.logit else "identity")
    values = explainer.shap_values(features, nsamples=args.nsamples, l1_reg=False, silent=True)
    seconds = time.perf_counter() - started
    write_matrix(args.out, np.asarray(values, dtype=np.float64))
    expected = float(np.squeeze(explainer.expected_value))
    print(json.dumps({"rows": len(features), "seconds": seconds, "expected_value": expected, "shap": shap.__version__}))


def fixture(args):
    data = read_csv(args.input)
    labels, features = data[:, 0], data[:, 1:]
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "seed": 7, **json.loads(args.params)}
    if args.kind == "dart":
        params.update(booster="dart", rate_drop=0.2, skip_drop=0.0)
        matrix = xgb.DMatrix(features, labels, missing=np.nan)
    elif args.kind == "categorical":
        # Categorical splits over the coded columns, partition-based so that nodes hold category sets.
        frame = pd.DataFrame(features)
        for column in (1, 3, 5, 6, 7, 8, 9, 13):
            codes = np.nan_to_num(features[:, column], nan=-1).astype(int)
            frame[column] = pd.Categorical.from_codes(codes, categories=np.arange(codes.max() + 1))
        params.update(tree_method="hist", max_cat_to_onehot=1)
        matrix = xgb.DMatrix(frame, labels, enable_categorical=True)
    else:
        matrix = xgb.DMatrix(features, labels, missing=np.nan)
    xgb.train(params, matrix, args.rounds).save_model(args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, help="threads for xgboost (default: all cores)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("predict", "contribs", "shap-tree"):
        command = commands.add_parser(name)
        command.add_argument("--model", required=True)
        command.add_argument("--input", required=True)
        command.add_argument("--out", required=True)
        command.add_argument("--repeat", type=int, default=1, help="time this many runs and report the fastest")
        if name == "predict":
            command.add_argument("--margin", action="store_true")
    command = commands.add_parser("shap-kernel")
    command.add_argument("--model", required=True)
    command.add_argument("--input", required=True)
    command.add_argument("--baseline", required=True, help="baseline rows, encoded features, no header")
    command.add_argument("--out", required=True)
    command.add_argument("--nsamples", type=int, required=True)
    command.add_argument("--logit", action="store_true", help="explain log-odds (Clarify's use_logit)")
    command.add_argument("--rows", type=int, help="explain only the first N rows")
    command.add_argument("--seed", type=int, default=0)
    command = commands.add_parser("fixture")
    command.add_argument("--kind", choices=("gbtree", "dart", "categorical"), required=True)
    command.add_argument("--input", required=True)
    command.add_argument("--out", required=True)
    command.add_argument("--rounds", type=int, default=30)
    command.add_argument("--params", default="{}", help="hyperparameters over the defaults, as a JSON object")
    args = parser.parse_args()
    {
        "predict": predict,
        "contribs": contribs,
        "shap-tree": shap_tree,
        "shap-kernel": shap_kernel,
        "fixture": fixture,
    }[args.command](args)


if __name__ == "__main__":
    main()
