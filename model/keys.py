"""Joins on key columns as integer positions: what the index tables
(:mod:`borderflow.model.indices`) and the arrivals (:mod:`borderflow.model.queues`) use instead
of pandas merges on string keys (a merge turns every pyarrow string into a Python object to
hash it; these factorise each key column once in pandas' arrays and join the integer codes)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def row_codes(table: pd.DataFrame, frame: pd.DataFrame | None, keys: list[str]
              ) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row of ``table`` and of ``frame`` (optional), equal where all key
    columns are equal: each column's values factorised over both, the codes combined in
    mixed radix (re-factorised before the radix would pass 2**62, so that a wide key never
    wraps around int64 and makes two different rows equal)."""
    n = len(table)
    code = np.zeros(n + (0 if frame is None else len(frame)), dtype=np.int64)
    size = 1  # codes so far are below this (a Python int: exact)
    for k in keys:
        col = table[k] if frame is None else pd.concat([table[k], frame[k]],
                                                        ignore_index=True)
        c, uniq = pd.factorize(col, use_na_sentinel=False)
        radix = max(len(uniq), 1)
        if size * radix >= 2**62:
            code, seen = pd.factorize(code)
            size = max(len(seen), 1)
        code = code * radix + c
        size *= radix
    return code[:n], code[n:]


def expand_by_key(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The row pairs of an inner join of ``left`` and ``right`` on their values, in the
    order ``left.merge(right)`` gives them (left's order, then right's for each left row):
    positions ``(left_at, right_at)``."""
    r_codes, keys = pd.factorize(right)
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    l_codes = pd.Index(keys).get_indexer(left)
    order = np.argsort(r_codes, kind="stable")
    count = np.bincount(r_codes, minlength=len(keys))
    start = np.cumsum(count) - count
    n = np.where(l_codes >= 0, count[np.maximum(l_codes, 0)], 0)
    left_at = np.repeat(np.arange(len(left)), n)
    within = np.arange(len(left_at)) - np.repeat(np.cumsum(n) - n, n)
    return left_at, order[start[l_codes[left_at]] + within]
