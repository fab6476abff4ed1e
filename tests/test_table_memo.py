"""Result tables of a kept model made once per distinct input (:mod:`borderflow.model.
table_memo`), and a sweep's warm scenarios read with them: the same tables as a first reading.

The sweep part runs on tests/data/cg-three-borders (tests/test_sweep_dated.py): closing
Boten–Mohan for three of five days leaves the reference's plan (the flow goes by Huu Nghi),
so its route flows, arc flows and route arcs are the reference's and are taken from the kept
reading; closing Huu Nghi moves cargo in its queues: its arc flows are made again.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from helpers import cg_closure_plan
from sweep_helpers import assert_same_reading, solve_warm

from borderflow.model import table_memo
from borderflow.model.table_memo import same
from borderflow.sweeps import ModelCache


class _Owner:
    """Stands for an object of a kept model (the memo is tied to it)."""


def _frame(x):
    return pd.DataFrame({"route_id": ["r1", "r2"], "flow_t": np.array([1.5, x])})


def test_same_inputs_give_a_copy_of_the_kept_table_other_inputs_make_it():
    owner, made = _Owner(), []

    def make(df):
        made.append(1)
        return df.assign(double=df["flow_t"] * 2)

    a = same(owner, "t", (_frame(2.0), 3), lambda: make(_frame(2.0)))
    b = same(owner, "t", (_frame(2.0), 3), lambda: make(_frame(2.0)))
    assert len(made) == 1 and b.equals(a) and b is not a
    b.loc[0, "double"] = -1.0  # a copy: the kept table is not changed through it
    assert same(owner, "t", (_frame(2.0), 3), lambda: make(_frame(2.0)))["double"][0] == 3.0
    # bit for bit: -0.0 is not 0.0, another number or string is another input
    for other in ((_frame(-0.0), 3), (_frame(0.0), 3), (_frame(2.0), 4),
                  (_frame(2.0).assign(route_id=["r1", "r3"]), 3)):
        same(owner, "t", other, lambda o=other: make(o[0]))
    assert len(made) == 5
    # two tables kept: the first one's (given twice) and the last one made; dropped with
    # their owner
    key = (id(owner), "t")
    assert [e[1]["route_id"].tolist() for e in table_memo._KEPT[key]] == [["r1", "r2"],
                                                                          ["r1", "r3"]]
    assert len(made) == 5
    same(owner, "t", (_frame(2.0), 3), lambda: make(_frame(2.0)))
    assert len(made) == 5
    del owner
    gc.collect()
    assert key not in table_memo._KEPT


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=5, first=1, last=3)


_solve = solve_warm


def test_warm_scenarios_read_with_the_kept_tables_equal_a_first_reading(plan):
    """One worker's cache solves the baseline, both closures and Boten–Mohan again; each
    scenario's tables and summary equal, bit for bit (but the wall-clock keys), those of the
    same scenario read first by a cache of its own (every table made); Boten–Mohan's tables
    are taken from the kept reading, Huu Nghi's arc flows made again; all certified."""
    cache = ModelCache()
    order = ["baseline", "close-boten-mohan", "close-huu-nghi-youyiguan", "close-boten-mohan"]
    warm, kept = {}, []
    tables = ("route_flows", "flows", "route_arcs")
    for name in order:
        before = table_memo.COUNTS.copy()
        warm[name] = _solve(plan, name, cache)
        kept.append({t for t in tables
                     if table_memo.COUNTS[t, "kept"] > before[t, "kept"]})
    assert kept[0] == set()  # the first reading makes every table
    assert kept[1] == kept[3] == set(tables)
    assert "flows" not in kept[2]  # Huu Nghi's cargo leaves its queues on other days
    for name in set(order):
        assert_same_reading(warm[name].results, _solve(plan, name, ModelCache()).results, name)
