"""The objective's valued columns read in bulk (model/pyomo_layer.py ``column_values``, its
ArrayVar part ``_array_values``), as model/class_fifo.py reads them for a sweep's kept model:
the same floats, bit for bit, as each entry's ``value``, before and after entries are made, and
with a made entry's own value over the array's.

A solved 12-day model of tests/data/cg-three-borders (the baseline of the closure plan).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import solved_cg_baseline

from borderflow.model.pyomo_layer import ArrayVar, column_values


@pytest.fixture(scope="module")
def solved():
    return solved_cg_baseline(days=12)


def _one_by_one(x, positions) -> np.ndarray:
    return np.array([np.nan if x[j].value is None else x[j].value for j in positions],
                    dtype=float)


def test_bulk_values_are_the_entries_values(solved):
    """Lazily held first (no entry made), then with every valued column made (as after the
    objective was evaluated), then with one made entry's value changed: bulk equals one by
    one, byte for byte, each time."""
    m = solved.built.model
    x, positions, _ = m.objective.cost_arrays()
    lazy = [comp for comp, data in x._cols.parts if data is None]
    assert lazy and any(not comp.made() for comp in lazy)  # some part not made yet
    bulk = column_values(x)[positions]
    assert bulk.tobytes() == _one_by_one(x, positions).tobytes()  # this makes the entries
    assert not np.isnan(bulk).all()
    again = column_values(x)[positions]
    assert again.tobytes() == bulk.tobytes()
    j = int(positions[len(positions) // 2])
    v = x[j]
    old = v.value
    try:
        v.set_value(1234.5, skip_validation=True)
        changed = column_values(x)[positions]
        assert changed.tobytes() == _one_by_one(x, positions).tobytes()
        assert 1234.5 in changed and 1234.5 not in bulk
        comp = v.parent_component()
        assert isinstance(comp, ArrayVar)
    finally:
        v.set_value(old, skip_validation=True)
