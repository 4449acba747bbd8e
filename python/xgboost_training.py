"""Boosting with the real XGBoost library: training with one progress line per round, and the metrics of a
trained model on a labelled channel."""

import json

import numpy as np
import xgboost as xgb


class ProgressCallback(xgb.callback.TrainingCallback):
    """One JSON line per boosting round, with the latest value of every evaluation metric."""

    def __init__(self, channel, total):
        super().__init__()
        self.channel = channel
        self.total = total

    def after_iteration(self, model, epoch, evals_log):
        event = {"event": "round", "round": epoch + 1, "total": self.total}
        for name, metrics in evals_log.items():
            event[name] = {metric: float(values[-1]) for metric, values in metrics.items()}
        self.channel.write(json.dumps(event) + "\n")
        return False


def train(channels, params, num_round, early_stopping_rounds, progress):
    dtrain = xgb.DMatrix(channels["train"].features, label=channels["train"].labels, missing=np.nan)
    evals = [(dtrain, "train")]
    if "validation" in channels:
        validation = channels["validation"]
        evals.append((xgb.DMatrix(validation.features, label=validation.labels, missing=np.nan), "validation"))
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=num_round,
        evals=evals,
        early_stopping_rounds=early_stopping_rounds,
        verbose_eval=False,
        callbacks=[ProgressCallback(progress, num_round)],
    )
    # With early stopping, keep only the trees up to the best round, so every scorer of model.json agrees.
    if early_stopping_rounds is not None:
        booster = booster[: booster.best_iteration + 1]
    return booster


def evaluate(booster, channel):
    """AUC, accuracy (a probability above 0.5 is a yes, as XGBoost's `error` metric counts) and log loss."""
    probabilities = booster.predict(xgb.DMatrix(channel.features, missing=np.nan))
    labels = channel.labels
    clipped = np.clip(probabilities, 1e-15, 1 - 1e-15)
    log_loss = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    return {
        "auc": auc(labels, probabilities),
        "accuracy": float(np.mean((probabilities > 0.5) == (labels == 1))),
        "logLoss": float(log_loss),
        "rows": channel.rows,
    }


def auc(labels, scores):
    """Area under the ROC curve from rank sums, tied scores sharing their average rank; None with one class only."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2
    rank_sum = average_rank[inverse][labels == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))
