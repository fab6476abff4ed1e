"""Result tables of a kept model made once per distinct input (:mod:`borderflow.model.
table_memo`), and a sweep's warm scenarios read with them: the same tables as a first reading.

The sweep part runs on tests/data/cg-three-borders (tests/test_sweep_dated.py): closing
Boten–Mohan for three of five days leaves the reference's plan (the flow goes by Huu Nghi),
so its route flows, arc flows and route arcs are the reference's and are taken from the kept
reading; closing Huu Nghi changes them and they are made again.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from helpers import cg_closure_plan

from borderflow.model import table_memo
from borderflow.model.table_memo import same
from borderflow.sweeps import Job, ModelCache, solve_job


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
    # the kept table is still the first one's; dropped with its owner
    assert len(table_memo._KEPT) >= 1
    key = (id(owner), "t")
    assert table_memo._KEPT[key][1]["double"].tolist() == [3.0, 4.0]
    del owner
    gc.collect()
    assert key not in table_memo._KEPT


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=5, first=1, last=3)


def _solve(plan, name, cache):
    e = plan.entry(name)
    out = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
    assert out.status == "optimal", out.message
    return out


def test_warm_scenarios_read_with_the_kept_tables_equal_a_first_reading(plan):
    """One worker's cache solves the baseline, both closures and Boten–Mohan again; each
    scenario's tables and summary equal, bit for bit (but the wall-clock keys), those of the
    same scenario read first by a cache of its own (every table made); Boten–Mohan's tables
    are taken from the kept reading, Huu Nghi's made again; both certified."""
    cache = ModelCache()
    order = ["baseline", "close-boten-mohan", "close-huu-nghi-youyiguan", "close-boten-mohan"]
    warm, kept_counts = {}, []
    for name in order:
        before = dict(table_memo.COUNTS)
        warm[name] = _solve(plan, name, cache)
        kept_counts.append(table_memo.COUNTS["kept"] - before["kept"])
    assert kept_counts[0] == 0  # the first reading makes every table
    assert kept_counts[1] == 3 and kept_counts[3] == 3  # route flows, arc flows, route arcs
    assert kept_counts[2] < 3  # Huu Nghi's flows are not the reference's
    timing = {"solve_seconds", "translate_seconds"}
    for name in set(order):
        first = _solve(plan, name, ModelCache())
        got, want = warm[name].results, first.results
        assert got.summary["routing"] == want.summary["routing"] == "certified"
        assert {k: v for k, v in got.summary.items() if k not in timing} == \
            {k: v for k, v in want.summary.items() if k not in timing}, name
        assert got.tables().keys() == want.tables().keys()
        for table, frame in want.tables().items():
            pd.testing.assert_frame_equal(got.tables()[table], frame, check_exact=True,
                                          obj=f"{name} {table}")
