"""A worker started from another's shipped state (borderflow/sweeps/warm_start.py) gives the
same numbers and tables as one that builds, solves and prices the model itself.

tests/data/cg-three-borders over 12 dated days (as tests/test_sweep_timing.py): the baseline
and one closure of each gate on days 8-9.
"""

from __future__ import annotations

import pickle
from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest
from helpers import cg_closure_plan

import borderflow.sweeps.worker as worker
from borderflow.io import PARTITION_TIMING_KEYS
from borderflow.sweeps import Job, ModelCache, run_sweep, solve_job
from borderflow.sweeps import runner
from borderflow.sweeps.warm_start import from_kept, pack, unpack


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=12, first=8, last=9)


@pytest.fixture(scope="module")
def built(plan):
    """A cache that built the structure's model itself, and the start it sends (pickled and
    read back, as Dask sends it)."""
    structure = plan.structures[plan.entry("baseline").structure]
    cache = ModelCache()
    cache.setup()
    kept, made = cache.model(structure)
    assert made
    start = from_kept(structure.key, kept)
    assert start is not None
    return cache, pickle.loads(pickle.dumps(start, protocol=pickle.HIGHEST_PROTOCOL))


def _no_build(*args, **kwargs):
    raise AssertionError("a worker given a start built and solved the model itself")


def _tables(results) -> dict:
    return {f.name: getattr(results, f.name) for f in fields(results)
            if isinstance(getattr(results, f.name), pd.DataFrame)}


def _summary(results) -> dict:
    return {k: v for k, v in results.summary.items() if k not in PARTITION_TIMING_KEYS}


def test_a_worker_started_from_a_shipped_start_gives_the_same_tables(plan, built,
                                                                     monkeypatch):
    """The started worker makes no reference solve and no column generation (both patched
    to fail), and every scenario's objective, iterations, routing, summary and every result
    table equal, bit for bit, those of the worker that built the model."""
    cache, start = built
    structure = plan.structures[plan.entry("baseline").structure]
    monkeypatch.setattr(worker, "reference_priced", _no_build)
    monkeypatch.setattr(worker, "solve_session", _no_build)  # only the reference's: the
    started = ModelCache()                                   # scenarios' is patched back
    started.setup()
    kept, made = started.model(structure, start)
    assert made and kept.priced is not None
    assert kept.prepared.session.highs.getNumCol() == len(start.col_status)
    monkeypatch.undo()
    for name in plan.names():
        e = plan.entry(name)
        job = Job(e.scenario, plan.structures[e.structure], True)
        a, b = solve_job(job, cache), solve_job(job, started)
        assert a.status == b.status == "optimal", (a.message, b.message)
        assert a.solve["objective_usd"] == b.solve["objective_usd"]
        assert a.solve["iterations"] == b.solve["iterations"]
        assert a.results.summary["routing"] == b.results.summary["routing"] == "certified"
        assert _summary(a.results) == _summary(b.results)
        ta, tb = _tables(a.results), _tables(b.results)
        assert ta.keys() == tb.keys() and ta
        for t in ta:
            pd.testing.assert_frame_equal(ta[t], tb[t], check_exact=True, obj=f"{name} {t}")


def test_a_start_that_does_not_fit_the_model_is_not_used(plan, built, monkeypatch):
    """A start whose basis has another number of columns is ignored: the worker builds,
    solves and prices the model itself (the reference's column generation runs)."""
    _, start = built
    structure = plan.structures[plan.entry("baseline").structure]
    calls = []
    priced = worker.reference_priced
    monkeypatch.setattr(worker, "reference_priced",
                        lambda *a, **k: calls.append(1) or priced(*a, **k))
    cache = ModelCache()
    cache.setup()
    kept, made = cache.model(structure, replace(start, col_status=start.col_status[:-1]))
    assert made and calls == [1]
    other = ModelCache()
    other.setup()
    kept, made = other.model(structure, replace(start, key="another structure"))
    assert made and calls == [1, 1]


def test_route_tables_are_sent_as_categoricals_and_come_back_equal():
    """:func:`pack` turns text columns into categoricals and :func:`unpack` restores them:
    values, dtypes and index equal; a table with no text column is unchanged."""
    frame = pd.DataFrame({"route_id": pd.array(["r2", "r1", "r2", None], dtype="string"),
                          "seq": [0, 1, 2, 3], "offset_h": [0.0, 1.5, np.nan, 2.0]},
                         index=[4, 5, 6, 7])
    packed = pack(replace_routes(frame))
    back = unpack(packed["route_arcs"])
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert isinstance(packed["route_arcs"], tuple)
    assert isinstance(packed["route_arcs"][0]["route_id"].dtype, pd.CategoricalDtype)
    numbers = frame[["seq", "offset_h"]]
    pd.testing.assert_frame_equal(unpack(pack(replace_routes(numbers))["route_arcs"]), numbers)


def replace_routes(route_arcs: pd.DataFrame):
    from borderflow.model.routes import RouteSet

    empty = pd.DataFrame({"route_id": pd.array([], dtype="string")})
    return RouteSet(routes=empty, route_arcs=route_arcs, eligible=empty, stats={"n": 1})


def test_a_two_worker_sweep_with_starts_writes_the_tables_of_one_without(plan, tmp_path,
                                                                         monkeypatch):
    """``run_sweep`` on two in-process workers sends one worker's start to the other (one
    reference column generation in all) and writes the comparison a sweep without starts
    writes (``solve_seconds`` aside)."""
    from distributed import Client, LocalCluster

    calls = []
    priced = worker.reference_priced
    monkeypatch.setattr(worker, "reference_priced",
                        lambda *a, **k: calls.append(1) or priced(*a, **k))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      **runner.NO_DASHBOARD) as cluster, Client(cluster) as c:
        with_starts = run_sweep(plan, tmp_path / "with", client=c)
        assert calls == [1]
    calls.clear()
    monkeypatch.setattr(runner, "_starts", lambda *a, **k: None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      **runner.NO_DASHBOARD) as cluster, Client(cluster) as c:
        without = run_sweep(plan, tmp_path / "without", client=c)
    assert 1 <= len(calls) <= 2
    a, b = (r["comparison"].drop(columns="solve_seconds") for r in (with_starts, without))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (a["routing"] == "certified").all() and len(a) == len(plan.names())
    built = [t for t in with_starts.timings.values() if t["model_built"]]
    assert built and all(t["setup_cpu_s"] > 0 for t in built)


def _deep_equal(x, y) -> bool:
    """Two search results of a kept pass equal, value by value (arrays exactly)."""
    if type(x) is not type(y):
        return False
    if isinstance(x, (tuple, list)):
        return len(x) == len(y) and all(_deep_equal(u, v) for u, v in zip(x, y))
    if isinstance(x, np.ndarray):
        return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
    if isinstance(x, float) and x != x:
        return y != y
    return bool(x == y)


def _started_pass(structure, start, monkeypatch) -> tuple:
    """A worker started from ``start``: its kept pass and its pricing pass's stats."""
    import borderflow.model.dated_columns as dated_columns

    stats, price = [], dated_columns.price_dated_model

    def counted(*args, **kwargs):
        found = price(*args, **kwargs)
        stats.append(dict(found.result.stats))
        return found

    monkeypatch.setattr(dated_columns, "price_dated_model", counted)
    other = ModelCache()
    other.setup()
    kept, made = other.model(structure, start)
    monkeypatch.undo()
    assert made and len(stats) == 1
    return kept.priced, stats[0]


def test_a_started_worker_takes_its_kept_pass_from_the_builders(plan, built, monkeypatch):
    """The start carries the builder's kept pricing pass: the started worker's pass reuses
    every search of it (none searched again: the same LP and basis, the same duals), and its
    kept pass is the builder's, search by search; a start whose pricing graph differs in one
    number is not reused (every search made again), and gives the same pass all the same."""
    cache, start = built
    structure = plan.structures[plan.entry("baseline").structure]
    mine = cache.model(structure)[0].priced
    assert start.priced is not None and mine is not None
    got, stats = _started_pass(structure, start, monkeypatch)
    assert stats.get("reused") == len(mine.searches) and stats.get("searched") == 0
    assert got.searches.keys() == mine.searches.keys()
    assert all(_deep_equal(got.searches[k], mine.searches[k]) for k in mine.searches)
    assert got.graph is not start.priced.graph  # the worker's own graph object
    content = dict(start.priced.graph)
    content["hours"] = content["hours"] + np.where(np.arange(len(content["hours"])) == 0,
                                                   1e-9, 0.0)
    tampered = replace(start, priced=replace(start.priced, graph=tuple(content.items())))
    again, stats = _started_pass(structure, tampered, monkeypatch)
    assert not stats.get("reused") and stats.get("searched") == len(mine.searches)
    assert all(_deep_equal(again.searches[k], mine.searches[k]) for k in mine.searches)


def test_graph_content_compares_arrays_exactly():
    """:func:`same_content`: equal arrays and fields; another dtype, shape, value or name
    differs."""
    from borderflow.sweeps.warm_start import same_content

    a = (("ids", ("x", "y")), ("hours", np.array([1.0, 2.0])))
    assert same_content(a, (("ids", ("x", "y")), ("hours", np.array([1.0, 2.0]))))
    for b in ((("ids", ("x", "z")), ("hours", np.array([1.0, 2.0]))),
              (("ids", ("x", "y")), ("hours", np.array([1.0, 2.5]))),
              (("ids", ("x", "y")), ("hours", np.array([1, 2]))),
              (("ids", ("x", "y")), ("hours", np.array([1.0, 2.0, 3.0]))),
              (("ids", ("x", "y")), ("cost", np.array([1.0, 2.0]))),
              (("ids", ("x", "y")),)):
        assert not same_content(a, b)
