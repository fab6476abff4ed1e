"""What a warm dated sweep costs per scenario, measured apart from each worker's one-off setup
(docs/sweeps.md "Speed"), and the per-scenario savings that keep every output the same.

tests/data/cg-three-borders over 12 dated days (as tests/test_dated_reuse.py): the baseline
and one closure of each gate on days 8-9.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest
from helpers import CG_GATES, cg_closure_plan

import borderflow.model.dated_pricing as dated_pricing
from borderflow.model.column_generation import pricing_inputs
from borderflow.model.dated_columns import price_dated_model
from borderflow.model.formulation import bound_updates
from borderflow.pipeline import solve_session
from borderflow.sweeps import Job, ModelCache, run_sweep, solve_job


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=12, first=8, last=9)


def test_a_worker_reports_its_setup_apart_from_each_scenario(plan):
    """The first warm scenario on a fresh cache builds, solves and prices the reference: that
    CPU time is ``setup_cpu_seconds`` (> 0), not in its ``cpu_seconds``; later scenarios have
    no setup; each scenario's CPU time is within what the process spent around it."""
    cache = ModelCache()
    cache.setup()
    seen = []
    for name in plan.names():
        e = plan.entry(name)
        c0 = time.process_time()
        out = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
        spent = time.process_time() - c0
        assert out.status == "optimal", out.message
        seen.append((out.model_built, out.setup_cpu_seconds, out.cpu_seconds, spent))
    built, setup, cpu, spent = seen[0]
    assert built and setup > 0 and cpu > 0 and setup + cpu <= spent + 1e-6
    for built, setup, cpu, spent in seen[1:]:
        assert not built and setup == 0.0 and 0 < cpu <= spent + 1e-6
    cold = solve_job(Job(plan.entry("close-boten-mohan").scenario,
                         plan.structures[plan.entry("baseline").structure], False),
                     ModelCache())
    assert cold.model_built and cold.setup_cpu_seconds == 0.0 and cold.cpu_seconds > 0


def test_a_sweep_result_holds_every_scenario_timing(plan, client, tmp_path):
    """``run_sweep`` keeps each solved scenario's timings (not written to the folder): one
    setup per worker that built the model, every scenario's own CPU time."""
    res = run_sweep(plan, tmp_path / "sweep", client=client)
    assert set(res.timings) == set(plan.names())
    assert all(t["cpu_s"] > 0 for t in res.timings.values())
    built = [t for t in res.timings.values() if t["model_built"]]
    assert built and all(t["setup_cpu_s"] > 0 for t in built)
    assert all(t["setup_cpu_s"] == 0.0 for t in res.timings.values() if not t["model_built"])


def test_a_pass_that_reuses_every_search_makes_no_bounds(plan, monkeypatch):
    """A scenario with the reference's duals everywhere (the baseline again) takes every
    search from the reference: no product's bounds or shortest paths are made, and the pass
    is the full pass bit for bit; a closure that searches again makes bounds only for the
    days it searches and gives the full pass too (closing Boten–Mohan, which no search of
    the reference looked at on its closed days, makes none)."""
    cache = ModelCache()
    cache.setup()
    structure = plan.structures[plan.entry("baseline").structure]
    kept, _ = cache.model(structure)
    m = kept.prepared
    made, searched = [], []
    at = dated_pricing._Bounds.at
    monkeypatch.setattr(dated_pricing._Bounds, "at",
                        lambda self, t, share=None: made.append(t) or at(self, t, share))
    for name in ("baseline", *(f"close-{g}" for g in CG_GATES)):
        net = cache.network(kept, plan.entry(name).scenario)
        m.session.apply(bound_updates(m.built, net))
        m.session.restart_from(kept.basis)
        solve_session(m.session, m.built, net)
        inputs = pricing_inputs(net)
        made.clear()
        fast = price_dated_model(m.session, m.built, net, structure.pricing, inputs,
                                 kept.priced)
        fast_calls = len(made)
        made.clear()
        full = price_dated_model(m.session, m.built, net, structure.pricing, inputs)
        pd.testing.assert_frame_equal(full.result.pairs, fast.result.pairs, check_exact=True)
        pd.testing.assert_frame_equal(full.result.columns, fast.result.columns,
                                      check_exact=True)
        assert len(made) == full.result.stats["searched"] > 0  # one (product, day) each here
        if name == "baseline":
            assert fast.result.stats["searched"] == 0 and fast_calls == 0
        else:
            assert fast_calls == fast.result.stats["searched"]
            searched.append(fast_calls)
        if name == "close-boten-mohan":  # no pivot, and no search of the reference looked
            assert fast_calls == 0       # at it on its closed days (test_dated_reuse.py)
    assert max(searched) > 0  # a closure that searches again
