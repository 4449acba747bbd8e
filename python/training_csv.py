"""Training channels in SageMaker's CSV form: no header, the label (0 or 1) in the first column, then the
features; an empty field is a missing value. Each file is checked row by row so an error names the place."""

import hashlib
import math

import numpy as np


class DataError(ValueError):
    """A training file the user must fix; the message names the file, row and column."""


class Channel:
    """One loaded CSV: labels, features (missing values as NaN) and the checksum of the bytes read."""

    def __init__(self, path, labels, features, sha256):
        self.path = path
        self.labels = labels
        self.features = features
        self.sha256 = sha256

    @property
    def rows(self):
        return len(self.labels)

    def describe(self):
        return {"file": self.path, "sha256": self.sha256, "rows": self.rows}


def load_channel(path, columns=None):
    """Reads one channel. `columns` is the feature count the file must have (that of the training channel)."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror})") from None

    lines = data.decode("utf-8", errors="replace").splitlines()
    while lines and lines[-1].strip() == "":
        lines.pop()
    if not lines:
        raise DataError(f"{path}: the file is empty; give at least one row: the label, then the features")

    width = len(lines[0].split(",")) if columns is None else columns + 1
    if width < 2:
        raise DataError(f"{path}, row 1: found one field; give the label first, then the features")
    values = np.empty((len(lines), width), dtype=np.float64)
    for index, line in enumerate(lines):
        fields = line.split(",")
        if len(fields) != width:
            raise DataError(
                f"{path}, row {index + 1}: expected {width} fields (the label, then {width - 1} features), "
                f"found {len(fields)}"
            )
        for column, field in enumerate(fields):
            values[index, column] = _number(field, path, index, column)

    labels = values[:, 0]
    if np.isnan(labels).any() or not np.isin(labels, (0.0, 1.0)).all():
        row = int(np.flatnonzero(np.isnan(labels) | ~np.isin(labels, (0.0, 1.0)))[0])
        label = lines[row].split(",")[0].strip()
        problem = "the label is missing" if label == "" else f"'{label}' is not 0 or 1"
        raise DataError(f"{path}, row {row + 1}, column 1 (label): {problem}; the first column is the label")
    return Channel(path, labels, values[:, 1:], hashlib.sha256(data).hexdigest())


def _number(field, path, index, column):
    text = field.strip()
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        where = "label" if column == 0 else f"feature {column}"
        hint = "; the file must have no header row" if index == 0 else ""
        raise DataError(
            f"{path}, row {index + 1}, column {column + 1} ({where}): '{text}' is not a number{hint}"
        )
    return value
