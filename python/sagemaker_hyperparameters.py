"""Hyperparameters as SageMaker's built-in XGBoost algorithm takes them: every value a string, converted here
to the type XGBoost wants and checked against its range, so a mistake is reported before any data is read.

Only `binary:logistic` is accepted as the objective: review-cycle scores yes/no decisions.
"""

import math

OBJECTIVE = "binary:logistic"


class HyperparameterError(ValueError):
    """A hyperparameter the user must fix; the message names it and says what is allowed."""


def _integer(low=None, high=None):
    def convert(name, text):
        try:
            value = int(text.strip())
        except ValueError:
            raise HyperparameterError(f"hyperparameter {name}: '{text}' is not a whole number") from None
        _check_range(name, value, low, high)
        return value

    return convert


def _number(low=None, high=None, low_open=False):
    def convert(name, text):
        try:
            value = float(text.strip())
        except ValueError:
            raise HyperparameterError(f"hyperparameter {name}: '{text}' is not a number") from None
        if not math.isfinite(value):
            raise HyperparameterError(f"hyperparameter {name}: '{text}' is not a finite number")
        if low_open and value <= low:
            raise HyperparameterError(f"hyperparameter {name}: {text} must be greater than {low}")
        _check_range(name, value, None if low_open else low, high)
        return value

    return convert


def _check_range(name, value, low, high):
    if low is not None and value < low:
        raise HyperparameterError(f"hyperparameter {name}: {value} must be at least {low}")
    if high is not None and value > high:
        raise HyperparameterError(f"hyperparameter {name}: {value} must be at most {high}")


def _choice(*allowed):
    def convert(name, text):
        value = text.strip()
        if value not in allowed:
            raise HyperparameterError(f"hyperparameter {name}: '{text}' is not one of {', '.join(allowed)}")
        return value

    return convert


def _text(_name, text):
    return text.strip()


def _objective(name, text):
    if text.strip() != OBJECTIVE:
        raise HyperparameterError(
            f"hyperparameter {name}: '{text}' is not supported; review-cycle trains yes/no models with {OBJECTIVE}"
        )
    return OBJECTIVE


_METRICS = {"auc", "aucpr", "logloss", "error", "rmse", "rmsle", "mae", "mape", "mphe", "pre", "ndcg", "map"}


def _eval_metric(name, text):
    """A comma-separated list, as SageMaker takes it; `error@0.7`, `pre@5`, `ndcg-` and the like are accepted."""
    metrics = [metric.strip() for metric in text.split(",") if metric.strip() != ""]
    if not metrics:
        raise HyperparameterError(f"hyperparameter {name}: give at least one metric")
    for metric in metrics:
        base, _, argument = metric.rstrip("-").partition("@")
        if base not in _METRICS:
            raise HyperparameterError(
                f"hyperparameter {name}: unknown metric '{metric}'; use any of {', '.join(sorted(_METRICS))}"
            )
        if argument:
            _number()(f"{name} ({metric})", argument)
    return metrics


_CONVERTERS = {
    "num_round": _integer(1),
    "objective": _objective,
    "alpha": _number(0),
    "base_score": _number(0, 1, low_open=True),
    "booster": _choice("gbtree", "gblinear", "dart"),
    "colsample_bylevel": _number(0, 1, low_open=True),
    "colsample_bynode": _number(0, 1, low_open=True),
    "colsample_bytree": _number(0, 1, low_open=True),
    "early_stopping_rounds": _integer(1),
    "eta": _number(0, 1),
    "eval_metric": _eval_metric,
    "gamma": _number(0),
    "grow_policy": _choice("depthwise", "lossguide"),
    "interaction_constraints": _text,
    "lambda": _number(0),
    "max_bin": _integer(2),
    "max_delta_step": _number(0),
    "max_depth": _integer(0),
    "max_leaves": _integer(0),
    "min_child_weight": _number(0),
    "monotone_constraints": _text,
    "normalize_type": _choice("tree", "forest"),
    "nthread": _integer(1),
    "num_parallel_tree": _integer(1),
    "one_drop": _integer(0, 1),
    "process_type": _choice("default", "update"),
    "rate_drop": _number(0, 1),
    "refresh_leaf": _integer(0, 1),
    "sample_type": _choice("uniform", "weighted"),
    "sampling_method": _choice("uniform", "gradient_based"),
    "scale_pos_weight": _number(0, low_open=True),
    "seed": _integer(),
    "skip_drop": _number(0, 1),
    "subsample": _number(0, 1, low_open=True),
    "tree_method": _choice("auto", "exact", "approx", "hist"),
    "updater": _text,
    "verbosity": _integer(0, 3),
}

# Names XGBoost's own interfaces use for the same settings, so a user who writes one is told the SageMaker name.
_ALIASES = {
    "learning_rate": "eta",
    "min_split_loss": "gamma",
    "reg_alpha": "alpha",
    "reg_lambda": "lambda",
    "random_state": "seed",
    "n_estimators": "num_round",
    "num_boost_round": "num_round",
}

# Settings that steer the training loop itself and are not XGBoost booster parameters.
_LOOP_SETTINGS = {"num_round", "early_stopping_rounds"}


def parse_hyperparameters(given):
    """Checks and converts SageMaker-style hyperparameters.

    Returns (hyperparameters, params, num_round, early_stopping_rounds): the strings as applied (with the default
    objective filled in), the typed parameters for xgboost.train, and the two loop settings.
    """
    if not isinstance(given, dict):
        raise HyperparameterError("hyperparameters must be a JSON object of names to string values")
    for name, text in given.items():
        if name not in _CONVERTERS:
            hint = f"use '{_ALIASES[name]}'" if name in _ALIASES else f"known names: {', '.join(sorted(_CONVERTERS))}"
            raise HyperparameterError(f"unknown hyperparameter '{name}'; {hint}")
        if not isinstance(text, str):
            raise HyperparameterError(f"hyperparameter {name}: give the value as a string, as SageMaker does")
    if "num_round" not in given:
        raise HyperparameterError("hyperparameter num_round is required: give the number of boosting rounds")

    applied = {"objective": OBJECTIVE, **given}
    typed = {name: _CONVERTERS[name](name, text) for name, text in sorted(applied.items())}
    params = {name: value for name, value in typed.items() if name not in _LOOP_SETTINGS}
    return applied, params, typed["num_round"], typed.get("early_stopping_rounds")
