"""One sample applied to the input tables: a new :class:`InputTables`, the input never mutated.

This is the *rebuild* path: the perturbed tables go through the whole pipeline (network,
routes, model) like any dataset. It serves the samples whose structural numbers change (see
:mod:`borderflow.uncertainty.fields`) and is the reference the warm path
(:mod:`borderflow.uncertainty.changes`) is tested against.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from borderflow.data.loaders import InputTables
from borderflow.data.schemas import TABLES

from .ranges import key_of

_KEYS = {spec.name: spec.key for spec in TABLES}


def apply_sample(tables: InputTables, sample: dict[tuple[str, str, str], float]) -> InputTables:
    """The tables with the sampled values put in.

    Parameters
    ----------
    tables : InputTables
        The checked dataset (not modified).
    sample : dict
        ``{(table, key, field): value}`` (:meth:`SampleSet.sample`). Rows of tables that are
        not input tables (e.g. ``investments``) are skipped: their owners read them.

    Returns
    -------
    InputTables
        A copy; ``checksums`` are kept (they name the files read), the sample is not a file.

    Raises
    ------
    KeyError
        If a key is not in its table (ranges are checked against the same tables first, so
        this means the sample belongs to another dataset).
    """
    out = tables.copy()
    by_table: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for (table, key, field), value in sample.items():
        if table in _KEYS:
            by_table[table].append((key, field, value))
    for table, changes in by_table.items():
        df = getattr(out, table)
        keys = list(_KEYS[table])
        where = {key_of(r, _KEYS[table]): i for i, r in enumerate(df[keys].to_dict("records"))}
        for key, field, value in changes:
            if key not in where:
                raise KeyError(f"no row '{key}' in {table}")
            if df[field].dtype != np.float64:
                df[field] = df[field].astype(float)
            df.iloc[where[key], df.columns.get_loc(field)] = float(value)
    return out
