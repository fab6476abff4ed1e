"""The fast maker of a sample's own columns gives the entries of the index functions' path.

:class:`~borderflow.uncertainty.sample_columns.ColumnMaker` (routes made once, row keys in
dictionaries) against :func:`~borderflow.uncertainty.sample_columns.column_entries` (the
formulation's index functions on data frames), on the embedded dataset's static base day: for
samples whose pricing finds routes, both must give the same objective coefficients, matrix
entries and appended rows (with their bounds), in the same order, before and after a route has
been made once.
"""

from __future__ import annotations

import numpy as np
import pytest

import borderflow as bf
from borderflow.data.scenario import Scenario
from borderflow.options import RunOptions
from borderflow.uncertainty.kept import kept_models
from borderflow.uncertainty.run import draw, sample_space
from borderflow.uncertainty.sample_columns import ColumnMaker, column_entries


def _rows(session, first: int) -> tuple[np.ndarray, np.ndarray]:
    lp = session.highs.getLp()
    lo = np.asarray(lp.row_lower_, dtype=float)[first:]
    up = np.asarray(lp.row_upper_, dtype=float)[first:]
    return lo, up


@pytest.fixture(scope="module")
def kept_and_samples():
    tables = bf.load_dataset()
    _, space, _ = sample_space(tables, Scenario(name="baseline"))
    kept = kept_models(tables, Scenario(name="baseline"), RunOptions(), space)[0]
    return kept, draw(space, 12, "lhs", 0)


def test_fast_entries_equal_the_index_functions_entries(kept_and_samples):
    kept, samples = kept_and_samples
    maker = ColumnMaker(kept.built, kept.net, kept.routes, kept.effects, kept.pricer.rules)
    compared = 0
    for _ in (False, True):  # second pass: every route already made
        for v in samples.values:
            changes = kept.effects.changes(v)
            kept.warm.apply(changes)
            kept.session.restart_from(kept.basis)
            kept.session.solve(load=False)
            found = kept.pricer.price(kept.session, v, changes).found.columns
            if found.empty:
                continue
            arr = kept.effects.arrays(v)
            first = kept.session.highs.getNumRow()
            got = []
            for fast in (False, True):
                extra: dict = {}
                out = maker.entries(kept.session, arr, found, changes, extra) if fast else \
                    column_entries(kept.session, kept.built, kept.net, kept.routes,
                                   kept.effects, arr, found, changes, extra, kept.pricer.rules)
                got.append((out, extra, _rows(kept.session, first)))
                kept.session.drop_rows_from(first)
            (a, ea, ra), (b, eb, rb) = got
            assert len(a[0]) > 0
            for x, y in zip(a, b):
                assert x.dtype.kind == y.dtype.kind
                np.testing.assert_array_equal(x, y)
            assert list(ea.items()) == list(eb.items())
            for x, y in zip(ra, rb):
                np.testing.assert_array_equal(x, y)
            compared += 1
    assert compared >= 4
    assert maker._made  # routes were made once and kept
