"""The verification report: one row per check and entity, its tolerance, and summaries of it.

Every check of :mod:`borderflow.verify` returns rows made by :func:`rows`: ``check`` (the rule),
``entity`` (what it was checked on, in words), ``amount`` (by how much the rule is violated, in
``unit``; 0 when it holds), ``tolerance`` and ``ok``. A NaN amount fails: a value that cannot be
computed is not a pass.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: relative tolerance of every check
REL_TOL = 1e-6
#: absolute floor of the tolerance, in the check's unit (t, trucks, USD, h)
ABS_TOL = 1e-6
#: exit code of ``borderflow verify`` (and of solve/reroute) when a check fails
EXIT_VIOLATIONS = 8
#: name of the report table in a run folder (verification.csv / .parquet)
REPORT_TABLE = "verification"
REPORT_COLUMNS = ["check", "entity", "amount", "unit", "tolerance", "ok"]
DIRECTIONS = ("a_to_b", "b_to_a")


def rows(check: str, entity, amount, unit: str, scale=0.0) -> pd.DataFrame:
    """Report rows: ``ok`` when ``amount <= max(ABS_TOL, REL_TOL * |scale|)`` (NaN fails).

    Parameters
    ----------
    check : str
        The rule checked.
    entity : str or array of str
        What each amount is about (broadcast against ``amount``).
    amount : float or array
        By how much the rule is violated, in ``unit`` (0 when it holds).
    unit : str
    scale : float or array
        Size of the quantity checked; the tolerance is relative to it.
    """
    amount = np.asarray(amount, dtype=float).reshape(-1)
    scale = np.broadcast_to(np.abs(np.asarray(scale, dtype=float)), amount.shape)
    tol = np.maximum(ABS_TOL, REL_TOL * scale)
    entity = np.broadcast_to(np.asarray(entity, dtype=object), amount.shape)
    return pd.DataFrame({"check": check, "entity": entity.astype(object), "amount": amount,
                         "unit": unit, "tolerance": tol, "ok": amount <= tol})


def text(series) -> np.ndarray:
    """A column as an object array of strings (for building entity names)."""
    return np.asarray(series, dtype=object).astype(str)


def num(df: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column (zeros if the table lacks it, e.g. an empty table; NaN where a value
    is not a number)."""
    if col not in df.columns:
        return np.zeros(len(df))
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)


def sum_by(df: pd.DataFrame, keys: list[str], col: str, name: str | None = None) -> pd.DataFrame:
    """``df`` summed by ``keys`` into one column (``name``; an empty frame if ``df`` is)."""
    name = name or col
    if df.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=object) for k in keys},
                             name: pd.Series(dtype=float)})
    return df.groupby(keys, as_index=False, sort=True)[col].sum().rename(columns={col: name})


def max_by(keys, *values) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct ``keys`` (strings) in sorted order and, per key, the largest of each of
    ``values`` (NaN skipped; NaN where a key has no number): ``groupby(keys, sort=True).max()``
    of pandas, without building a frame per call (a maximum does not depend on the order it is
    taken in, so the result is the same to the bit)."""
    keys = np.asarray(keys, dtype=object).reshape(-1)
    distinct, where = np.unique(keys, return_inverse=True)
    out = []
    for v in values:
        most = np.full(len(distinct), np.nan)
        np.fmax.at(most, where, np.asarray(v, dtype=float).reshape(-1))
        out.append(most)
    return distinct, out


def mismatch(recorded, expected) -> np.ndarray:
    """|recorded - expected| for numbers (NaN where either is not a number, unless both are
    missing: an empty value where none is expected agrees; ``recorded`` ``None``: the column
    is missing, every row NaN)."""
    b = np.asarray(expected, dtype=float).reshape(-1)
    if recorded is None:  # the column is missing: nothing agrees
        return np.full(b.shape, np.nan)
    a = pd.to_numeric(pd.Series(np.asarray(recorded, dtype=object)), errors="coerce").to_numpy(
        dtype=float)
    out = np.abs(a - b)
    return np.where(np.isnan(a) & np.isnan(b), 0.0, out)


def differs(recorded, expected) -> np.ndarray:
    """1.0 where two columns of labels differ (as text; missing equals missing), else 0.0."""
    b = pd.Series(np.asarray(expected, dtype=object).reshape(-1))
    if recorded is None:  # the column is missing
        return np.ones(len(b))
    a = pd.Series(np.asarray(recorded, dtype=object))
    same = (a.isna() & b.isna()) | (a.astype(str) == b.astype(str))
    return (~same.to_numpy()).astype(float)


def worst(*amounts) -> np.ndarray:
    """The largest of several amounts per row, a NaN counting as infinite (a value that is
    not a number fails)."""
    stack = np.vstack([np.asarray(a, dtype=float).reshape(-1) for a in amounts])
    return np.where(np.isnan(stack), np.inf, stack).max(axis=0)


def verification_summary(report: pd.DataFrame) -> dict:
    """``verified``, ``verification_checks`` and ``verification_violations`` of a report."""
    bad = int((~report["ok"]).sum())
    return {"verified": bad == 0, "verification_checks": int(len(report)),
            "verification_violations": bad}


def by_check(report: pd.DataFrame) -> pd.DataFrame:
    """One row per check: entities checked, violations, and the worst amount over tolerance."""
    r = report.assign(bad=~report["ok"])
    return r.groupby("check", as_index=False, sort=True).agg(
        entities=("entity", "size"), violations=("bad", "sum"), worst=("amount", "max"),
        unit=("unit", lambda u: ", ".join(sorted(set(u)))))


def violations(report: pd.DataFrame) -> pd.DataFrame:
    """The failed rows of a report, largest amount first within each check."""
    bad = report[~report["ok"]]
    return bad.sort_values(["check", "amount"], ascending=[True, False], kind="stable",
                           ignore_index=True)


def assemble(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One report from the checks' rows, sorted by check and entity."""
    kept = [p for p in parts if len(p)]
    report = pd.concat(kept, ignore_index=True)[REPORT_COLUMNS] if kept else \
        pd.DataFrame(columns=REPORT_COLUMNS)
    report["ok"] = report["ok"].astype(bool)
    return report.sort_values(["check", "entity"], kind="stable", ignore_index=True)
