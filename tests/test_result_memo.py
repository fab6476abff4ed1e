"""A warm sweep scenario's result tables taken from its kept model's first reading
(:mod:`borderflow.model.result_memo`, the per-pair view of :func:`borderflow.model.streams.
pair_view`): the same tables as a reading of its own, on changed and unchanged inputs, and
nothing kept by a single run.

On tests/data/cg-three-borders (tests/test_table_memo.py): closing Boten–Mohan for three of
five days leaves the reference's plan, so its queue, supply and dual tables and its split are
the kept reading's and its crossings table the kept one with its own capacity; closing Huu
Nghi moves cargo in its queues: those tables are made again.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from helpers import CG_DATA, cg_closure_plan
from sweep_helpers import assert_same_reading
from sweep_helpers import solve_warm as _solve

import borderflow as bf
from borderflow.model import streams, table_memo
from borderflow.model.table_memo import same
from borderflow.sweeps import ModelCache

NAMES = ("crossings", "queue tables", "supply tables", "dual tables")


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=5, first=1, last=3)


class _Owner:
    """Stands for an object of a kept model (the memo is tied to it)."""


def test_objects_are_compared_by_identity_and_kept_with_the_table():
    """Equal inputs but another object (an equal copy) make the table again; the objects
    are held with the kept table (their ids cannot be taken by another object)."""
    owner, made = _Owner(), []
    a, b = pd.DataFrame({"x": [1.0]}), pd.DataFrame({"x": [1.0]})

    def make():
        made.append(1)
        return pd.DataFrame({"y": [len(made)]})

    first = same(owner, "t", (np.ones(2),), make, (a,))
    again = same(owner, "t", (np.ones(2),), make, (a,))
    other = same(owner, "t", (np.ones(2),), make, (b,))
    assert len(made) == 2 and again.equals(first) and other["y"][0] == 2
    assert table_memo._KEPT[id(owner), "t"][0][2][0] is a
    key = (id(owner), "t")
    del owner
    gc.collect()
    assert key not in table_memo._KEPT


def test_warm_scenarios_take_the_kept_tables_and_equal_a_reading_of_their_own(plan):
    """One worker's cache solves the baseline, both closures and Boten–Mohan again: each
    scenario's tables and summary equal, bit for bit (but the solve times), those of the
    scenario read first by a cache of its own (every table made, nothing taken); Boten–Mohan
    takes every table group from the kept reading (its crossings with its own capacity,
    which differs from the baseline's), Huu Nghi makes its queue tables again."""
    cache = ModelCache()
    order = ["baseline", "close-boten-mohan", "close-huu-nghi-youyiguan", "close-boten-mohan"]
    warm, kept = {}, []
    for name in order:
        before = table_memo.COUNTS.copy()
        warm[name] = _solve(plan, name, cache)
        kept.append({t for t in NAMES if table_memo.COUNTS[t, "kept"] > before[t, "kept"]})
    assert kept[0] == set()  # the first reading makes every table
    assert kept[1] == kept[3] == set(NAMES)
    assert "queue tables" not in kept[2]
    base = warm["baseline"].results.crossings
    boten = warm["close-boten-mohan"].results.crossings
    shut = (boten["crossing_id"] == "boten-mohan").to_numpy()
    assert (boten.loc[shut, "capacity_trucks_per_day"] == 0).any()
    assert not boten["capacity_trucks_per_day"].equals(base["capacity_trucks_per_day"])
    assert not boten.loc[shut, "available"].all() and base.loc[shut, "available"].all()
    for name in set(order):
        assert_same_reading(warm[name].results, _solve(plan, name, ModelCache()).results, name)


def test_a_kept_table_changed_by_its_reader_does_not_change_the_next_one(plan):
    """The tables given are copies: a scenario's tables changed in place after the reading
    leave the next scenario's as a reading of its own gives them."""
    cache = ModelCache()
    _solve(plan, "baseline", cache)
    one = _solve(plan, "close-boten-mohan", cache).results
    for frame in (one.crossings, one.queues, one.unserved, one.market_duals,
                  one.stream_queues):
        if len(frame):
            frame.iloc[0, frame.columns.get_loc(frame.columns[-1])] = -123.0
    two = _solve(plan, "close-boten-mohan", cache).results
    want = _solve(plan, "close-boten-mohan", ModelCache()).results
    for table, frame in want.tables().items():
        pd.testing.assert_frame_equal(two.tables()[table], frame, check_exact=True,
                                      obj=table)


def test_a_single_run_keeps_nothing():
    """``bf.solve`` of a dated run (not a sweep's kept model) keeps no table, view or split."""
    gc.collect()
    tables, views = set(table_memo._KEPT), set(streams._PAIR_VIEWS)
    counts = table_memo.COUNTS.copy()
    res = bf.solve(bf.load_dataset(CG_DATA),
                   bf.Scenario(name="d", horizon=bf.Horizon(start="2024-01-01", days=5)))
    assert res.summary["status"] == "optimal"
    assert set(table_memo._KEPT) <= tables and set(streams._PAIR_VIEWS) <= views
    assert table_memo.COUNTS == counts


def test_the_kept_split_is_the_split_of_the_same_values():
    """``pair_view(keep=True)``: the per-pair index made once and shared; the split the
    first one's (a copy) while the values are the same, made again when one changes, equal
    to the split made without keeping either way."""
    from helpers import solved_cg_baseline

    from borderflow.model.streams import pair_view

    model = solved_cg_baseline()
    net, built = model.net, model.built
    assert built.index.aggregated
    fields = ("queue", "departures", "expired", "initial")
    v1, s1 = pair_view(net, built, keep=True)
    v2, s2 = pair_view(net, built, keep=True)
    assert v2.index is v1.index and id(built.index) in streams._PAIR_VIEWS
    _, fresh = pair_view(net, built)
    for f in fields:
        assert np.array_equal(getattr(s2, f), getattr(fresh, f))
        assert getattr(s2, f) is not getattr(s1, f)
    dep = built.model.departures
    q = int(np.argmax([dep[i].value or 0.0 for i in range(len(dep))]))
    solved = dep[q].value
    dep[q].value = solved - 1.0  # another solution: the split made again
    _, s3 = pair_view(net, built, keep=True)
    _, fresh = pair_view(net, built)
    assert not np.array_equal(s3.departures, s1.departures)
    for f in fields:
        assert np.array_equal(getattr(s3, f), getattr(fresh, f))
    dep[q].value = solved  # the first values again: their split is still kept
    made = table_memo.COUNTS["split", "made"]
    _, s4 = pair_view(net, built, keep=True)
    assert table_memo.COUNTS["split", "made"] == made
    for f in fields:
        assert np.array_equal(getattr(s4, f), getattr(s1, f))


def test_a_worker_that_reads_a_changed_closure_first_keeps_the_plan_most_share(plan):
    """A started worker's first reading may be a closure that moves cargo (Huu Nghi): the
    closures that leave the reference's plan (Boten–Mohan) are kept beside it and taken from
    the second on, the tables equal to a reading of their own."""
    cache = ModelCache()
    kept = []
    for name in ["close-huu-nghi-youyiguan", "close-boten-mohan", "close-boten-mohan",
                 "baseline"]:
        before = table_memo.COUNTS.copy()
        out = _solve(plan, name, cache)
        kept.append({t for t in NAMES if table_memo.COUNTS[t, "kept"] > before[t, "kept"]})
    assert kept[0] == set() and "queue tables" not in kept[1]  # Huu Nghi's duals may repeat
    assert kept[2] == set(NAMES)
    assert "queue tables" in kept[3]  # the baseline's plan is Boten–Mohan's
    want = _solve(plan, "baseline", ModelCache()).results
    for table, frame in want.tables().items():
        pd.testing.assert_frame_equal(out.results.tables()[table], frame, check_exact=True,
                                      obj=table)
