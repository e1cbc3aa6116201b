#!/usr/bin/env python3
"""Compare leadflow's lead model with scikit-learn's LogisticRegression.

Needs: pip install scikit-learn pandas   (this script installs nothing)
Run from anywhere inside the repo:  python3 scripts/compare_sklearn.py [--release]

Both sides start from the raw CSV and apply the same rules, each with its own code:
  * cells that are empty or a placeholder (Select, NA, N/A, null, nan; trimmed, any case)
    are missing;
  * the excluded columns (default: those filled in after sales contact, see
    predict/README.md), the target, identifier columns (present and distinct on every row,
    and not fractional numbers), columns with no values, and columns constant over the
    training rows are dropped;
  * a column is numeric when every non-missing value parses as a number: the training mean
    fills missing values, then it is standardised (mean/std of the imputed training column),
    and a missing indicator is added when the training rows had missing values;
  * other columns are categorical: trimmed, lower-cased, missing -> "__missing__", levels
    seen fewer than --min-level-count times in training grouped as infrequent, the most
    frequent level (ties: alphabetically first) dropped as the reference;
  * the split: data row i (0-based) is held out when fnv1a64(f"{seed}:{i}") % 100 < 20;
  * L2-penalised logistic regression: sklearn minimises C*sum(log loss) + |w|^2/2,
    linfa-logistic sum(log loss) + alpha*|w|^2/2; both leave the intercept unpenalised, so
    alpha = 1/C gives the same optimum.

leadflow is run as `leadflow train` (through cargo). Prints both held-out AUCs and both fit times
side by side; exits 1 when the AUCs differ by more than --max-auc-diff, 2 when the two
sides did not build the same split.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

PLACEHOLDERS = {"", "select", "na", "n/a", "null", "nan"}
MISSING_LEVEL = "__missing__"
TEST_PERCENT = 20
FNV_OFFSET_BASIS = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
LEAKY_COLUMNS = [
    "Tags",
    "Lead Quality",
    "Last Activity",
    "Last Notable Activity",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
]

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_csv() -> Path:
    data_dir = os.environ.get("LEADFLOW_DATA_DIR")
    base = Path(data_dir) if data_dir else REPO_ROOT.parent / "shared" / "data"
    return base / "x-education-leads" / "Leads.csv"


def fnv1a64(data: bytes) -> int:
    h = FNV_OFFSET_BASIS
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def is_test_row(seed: int, row: int) -> bool:
    return fnv1a64(f"{seed}:{row}".encode()) % 100 < TEST_PERCENT


def missing_mask(column: pd.Series) -> pd.Series:
    return column.str.strip().str.lower().isin(PLACEHOLDERS)


def as_number(text: str):
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def column_kind(column: pd.Series, missing: pd.Series):
    present = column[~missing]
    if present.empty:
        return None
    return "numeric" if all(as_number(v) is not None for v in present) else "categorical"


def is_identifier(column: pd.Series, missing: pd.Series, kind: str) -> bool:
    if missing.any():
        return False
    trimmed = column.str.strip()
    if trimmed.nunique() != len(trimmed):
        return False
    if kind == "numeric":
        return all(as_number(v) == int(as_number(v)) for v in trimmed)
    return True


def normalised(column: pd.Series, missing: pd.Series, kind: str) -> pd.Series:
    if kind == "numeric":
        return column.where(~missing).map(lambda v: as_number(v) if isinstance(v, str) else np.nan)
    return column.str.strip().str.lower().where(~missing, MISSING_LEVEL)


def plan_and_normalise(raw: pd.DataFrame, target: str, exclude, train_mask):
    numeric, categorical, frame = [], [], {}
    for name in raw.columns:
        if name == target or name in exclude:
            continue
        missing = missing_mask(raw[name])
        kind = column_kind(raw[name], missing)
        if kind is None or is_identifier(raw[name], missing, kind):
            continue
        values = normalised(raw[name], missing, kind)
        if values[train_mask].nunique(dropna=False) <= 1:
            continue
        frame[name] = values
        (numeric if kind == "numeric" else categorical).append(name)
    return pd.DataFrame(frame), numeric, categorical


def reference_levels(train: pd.DataFrame, categorical, min_count: int):
    references = []
    for name in categorical:
        counts = train[name].value_counts()
        kept = sorted((-n, level) for level, n in counts.items() if n >= min_count)
        if not kept:
            raise SystemExit(f"column {name!r}: no level reaches {min_count} training rows")
        references.append(kept[0][1])
    return references


def sklearn_side(features, numeric, categorical, outcomes, train_mask, args):
    train, test = features[train_mask], features[~train_mask]
    transformers = []
    if numeric:
        scaled = Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler())])
        transformers.append(("numeric", scaled, numeric))
        with_missing = [c for c in numeric if train[c].isna().any()]
        if with_missing:
            transformers.append(("missing", MissingIndicator(features="all"), with_missing))
    if categorical:
        encoder = OneHotEncoder(
            min_frequency=args.min_level_count,
            handle_unknown="infrequent_if_exist",
            drop=reference_levels(train, categorical, args.min_level_count),
            sparse_output=False,
        )
        transformers.append(("categorical", encoder, categorical))
    prepare = ColumnTransformer(transformers)
    x_train = prepare.fit_transform(train)
    x_test = prepare.transform(test)
    model = LogisticRegression(C=args.c, max_iter=args.max_iter)
    started = time.perf_counter()
    model.fit(x_train, outcomes[train_mask])
    fit_seconds = time.perf_counter() - started
    probabilities = model.predict_proba(x_test)[:, 1]
    return {
        "auc": roc_auc_score(outcomes[~train_mask], probabilities),
        "fit_seconds": fit_seconds,
        "design_columns": x_train.shape[1],
        "test_rows": int((~train_mask).sum()),
        "test_positives": int(outcomes[~train_mask].sum()),
    }


def leadflow_side(args, exclude):
    with tempfile.TemporaryDirectory() as tmp:
        summary_path = Path(tmp) / "summary.json"
        command = ["cargo", "run", "-q", "-p", "leadflow-cli", "--bin", "leadflow"]
        if args.release:
            command.append("--release")
        command += ["--", "train", "--csv", str(args.csv), "--target", args.target, "--seed", str(args.seed),
                    "--min-level-count", str(args.min_level_count), "--alpha", repr(1.0 / args.c),
                    "--summary-json", str(summary_path)]
        for name in exclude:
            command += ["--exclude", name]
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"leadflow training failed ({' '.join(command)})")
        if args.show_report:
            print(result.stdout)
        return json.loads(summary_path.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=default_csv())
    parser.add_argument("--target", default="Converted")
    parser.add_argument("--exclude", action="append",
                        help="a column to leave out (repeat); default: the leaky Leads.csv columns")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min-level-count", type=int, default=30)
    parser.add_argument("--c", type=float, default=1.0, help="sklearn C; leadflow gets alpha = 1/C")
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--max-auc-diff", type=float, default=0.01)
    parser.add_argument("--release", action="store_true", help="build leadflow in release mode")
    parser.add_argument("--show-report", action="store_true", help="print leadflow's full report")
    args = parser.parse_args()
    # Levels unseen in training are expected on the held-out rows; both sides map them alike.
    warnings.filterwarnings("ignore", message="Found unknown categories")
    if not args.csv.is_file():
        raise SystemExit(f"data not found: {args.csv} (set LEADFLOW_DATA_DIR or pass --csv)")
    exclude = args.exclude if args.exclude is not None else LEAKY_COLUMNS

    raw = pd.read_csv(args.csv, dtype=str, keep_default_na=False)
    outcomes = raw[args.target].str.strip().str.lower().map(
        {"1": 1, "1.0": 1, "true": 1, "yes": 1, "0": 0, "0.0": 0, "false": 0, "no": 0})
    if outcomes.isna().any():
        raise SystemExit(f"target {args.target!r} has values that are not outcomes")
    outcomes = outcomes.to_numpy(dtype=int)
    train_mask = np.array([not is_test_row(args.seed, i) for i in range(len(raw))])
    features, numeric, categorical = plan_and_normalise(raw, args.target, exclude, train_mask)

    sk = sklearn_side(features, numeric, categorical, outcomes, train_mask, args)
    lf = leadflow_side(args, exclude)

    build = "release" if args.release else "debug"
    print(f"data: {args.csv} ({len(raw)} rows), seed {args.seed}, "
          f"{len(numeric)} numeric + {len(categorical)} categorical features")
    print(f"{'':24}{'leadflow (' + build + ')':>20}{'scikit-learn':>16}")
    print(f"{'held-out AUC':24}{lf['auc']:>20.4f}{sk['auc']:>16.4f}")
    print(f"{'fit time (s)':24}{lf['fit_seconds']:>20.3f}{sk['fit_seconds']:>16.3f}")
    print(f"{'design columns':24}{lf['design_columns']:>20}{sk['design_columns']:>16}")
    print(f"{'held-out rows':24}{lf['test_rows']:>20}{sk['test_rows']:>16}")
    print(f"{'held-out positives':24}{lf['test_positives']:>20}{sk['test_positives']:>16}")

    if (lf["test_rows"], lf["test_positives"]) != (sk["test_rows"], sk["test_positives"]):
        print("FAIL: the two sides did not hold out the same rows")
        return 2
    diff = abs(lf["auc"] - sk["auc"])
    verdict = "OK" if diff <= args.max_auc_diff else "FAIL"
    print(f"{verdict}: |AUC difference| = {diff:.4f} (allowed {args.max_auc_diff})")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
