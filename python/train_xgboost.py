"""Trains a yes/no XGBoost model the way SageMaker's built-in XGBoost algorithm does, with the real library.

    train_xgboost.py --train T.csv [--validation V.csv] [--test H.csv] --hyperparameters H.json --out DIR

Channels are CSVs with no header, the label (0 or 1) first and empty fields for missing values. H.json is an
object of hyperparameter names to string values; num_round is required. DIR receives model.json (XGBoost JSON)
and metrics.json, both complete or not at all.

stdout carries only JSON lines, one per event:
    {"event": "round", "round": 3, "total": 100, "train": {"logloss": ...}, "validation": {"logloss": ...}}
    {"event": "error", "kind": "input", "message": "..."}   then exit code 2
    {"event": "done", "rounds": 100}
SIGTERM or SIGINT stops training at the end of the current round, writes nothing and exits with 128 + signal.
The boosting itself is in xgboost_training.py, loaded only once the inputs are known to be good.
"""

import argparse
import json
import os
import signal
import sys
from datetime import datetime, timezone

from sagemaker_hyperparameters import HyperparameterError, parse_hyperparameters
from training_csv import DataError, load_channel


class Stopped(Exception):
    def __init__(self, signum):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class StopOnSignal:
    """Turns SIGTERM and SIGINT into a Stopped exception, except while the outputs are being written."""

    def __init__(self):
        self.writing = False
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, signum, _frame):
        if not self.writing:
            raise Stopped(signum)


def open_progress_channel():
    """Keeps stdout for our JSON lines only: anything else that prints (XGBoost's own log included) goes to stderr."""
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return channel


def write_outputs(out_dir, booster, metrics):
    """Writes both files beside their final names, then renames them: a reader never sees half a file."""
    os.makedirs(out_dir, exist_ok=True)
    contents = {
        "model.json": bytes(booster.save_raw(raw_format="json")),
        "metrics.json": (json.dumps(metrics, indent=2, allow_nan=False) + "\n").encode(),
    }
    temporary = {name: os.path.join(out_dir, f".{name}.{os.getpid()}.tmp") for name in contents}
    try:
        for name, data in contents.items():
            with open(temporary[name], "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        for name in contents:
            os.replace(temporary[name], os.path.join(out_dir, name))
    finally:
        for path in temporary.values():
            if os.path.exists(path):
                os.remove(path)


def run(args, progress, stop):
    try:
        with open(args.hyperparameters, encoding="utf-8") as file:
            given = json.load(file)
    except (OSError, ValueError) as error:
        raise HyperparameterError(f"{args.hyperparameters}: cannot be read as a JSON object ({error})") from None
    hyperparameters, params, num_round, early_stopping_rounds = parse_hyperparameters(given)

    channels = {"train": load_channel(args.train)}
    columns = channels["train"].features.shape[1]
    for name in ("validation", "test"):
        path = getattr(args, name)
        if path is not None:
            channels[name] = load_channel(path, columns)
    if early_stopping_rounds is not None and "validation" not in channels:
        raise HyperparameterError("hyperparameter early_stopping_rounds needs a validation channel")

    # XGBoost takes seconds to load: a mistyped hyperparameter or a bad row is reported before that.
    import xgboost
    from xgboost_training import evaluate, train

    booster = train(channels, params, num_round, early_stopping_rounds, progress)
    metrics = {
        "objective": params["objective"],
        "xgboostVersion": xgboost.__version__,
        "trainedAt": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "hyperparameters": hyperparameters,
        "rounds": booster.num_boosted_rounds(),
        "data": {name: channel.describe() for name, channel in channels.items()},
        **{name: evaluate(booster, channels[name]) for name in ("validation", "test") if name in channels},
    }

    stop.writing = True
    write_outputs(args.out, booster, metrics)
    progress.write(json.dumps({"event": "done", "rounds": metrics["rounds"]}) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True)
    parser.add_argument("--validation")
    parser.add_argument("--test")
    parser.add_argument("--hyperparameters", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    stop = StopOnSignal()
    progress = open_progress_channel()
    try:
        run(args, progress, stop)
        return 0
    except (HyperparameterError, DataError) as error:
        progress.write(json.dumps({"event": "error", "kind": "input", "message": str(error)}) + "\n")
        print(f"train_xgboost: {error}", file=sys.stderr)
        return 2
    except Stopped as stopped:
        print(f"train_xgboost: {stopped}; no model written", file=sys.stderr)
        return 128 + stopped.signum


if __name__ == "__main__":
    sys.exit(main())
