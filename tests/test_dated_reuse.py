"""Dated sweep pricing that searches again only what a scenario's duals changed
(model/dated_reuse.py): the pass with the reference's searches reused is the full pass, bit for
bit, and reuses something where it can.

tests/data/cg-three-borders (README.md there) over 12 dated days: the sweep's kept model is
the reference priced once per worker (R3 in it); each scenario closes one gate on days 8-9.
The reference pass is made from a restarted solve, so a closure whose re-solve makes no pivot
has the reference's duals on every day: the searches of the dispatch days whose reach does
not include the closed days are taken from the reference.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from helpers import CG_GATES, cg_closure_plan

from borderflow.model.column_generation import pricing_inputs
from borderflow.model.dated_columns import price_dated_model
from borderflow.model.formulation import bound_updates
from borderflow.pipeline import solve_session
from borderflow.sweeps import Job, ModelCache, solve_job

GATES = CG_GATES


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=12, first=8, last=9)


@pytest.fixture(scope="module")
def cache(plan):
    cache = ModelCache()
    cache.setup()
    kept, _ = cache.model(plan.structures[plan.entry("baseline").structure])
    assert kept.priced is not None and kept.priced.searches
    return cache


@pytest.mark.parametrize("gate", GATES)
def test_reused_searches_give_the_full_pass_bit_for_bit(plan, cache, gate):
    """Each closure priced with and without the reference: the same pairs, columns and
    initial-queue bounds (exactly); the reference pass itself is reused whole."""
    e = plan.entry(f"close-{gate}")
    structure = plan.structures[e.structure]
    kept, _ = cache.model(structure)
    m = kept.prepared
    net = cache.network(kept, e.scenario)
    m.session.apply(bound_updates(m.built, net))
    m.session.restart_from(kept.basis)
    solve_session(m.session, m.built, net)
    inputs = pricing_inputs(net)
    full = price_dated_model(m.session, m.built, net, structure.pricing, inputs)
    fast = price_dated_model(m.session, m.built, net, structure.pricing, inputs, kept.priced)
    pd.testing.assert_frame_equal(full.result.pairs, fast.result.pairs, check_exact=True)
    pd.testing.assert_frame_equal(full.result.columns, fast.result.columns, check_exact=True)
    pd.testing.assert_frame_equal(full.initial, fast.initial, check_exact=True)
    assert fast.result.stats.get("reused", 0) + fast.result.stats["searched"] == \
        full.result.stats["searched"]


def test_a_closure_without_pivots_reuses_the_days_it_cannot_reach(plan, cache):
    """The baseline (nothing changed) reuses every search; closing Boten–Mohan on days 8-9
    makes no pivot and reuses the searches of days 10 and 11, whose reach cannot include the
    closure (one origin and product: 12 searches), and every search that did not look at a
    crossing on days 8-9 (the reference records the crossing days each search looked at);
    every closure's sweep outcome (warm, with the reuse) equals a cold certified solve."""
    structure = plan.structures[plan.entry("baseline").structure]
    kept, _ = cache.model(structure)
    m = kept.prepared
    for name, reused_all in (("baseline", True), ("close-boten-mohan", False)):
        e = plan.entry(name)
        net = cache.network(kept, e.scenario)
        m.session.apply(bound_updates(m.built, net))
        m.session.restart_from(kept.basis)
        summary = solve_session(m.session, m.built, replace(m, net=net).net)
        found = price_dated_model(m.session, m.built, net, structure.pricing,
                                  pricing_inputs(net), kept.priced)
        stats = found.result.stats
        if reused_all:
            assert stats["searched"] == 0 and stats["reused"] == len(kept.priced.searches)
        else:  # Boten-Mohan: no pivot; searched again only if it looked at days 8-9
            assert summary.iterations == 0
            searches = kept.priced.searches
            looked = sum(any(day in (8, 9) for _, _, day in s[2]) for s in searches.values())
            assert stats["searched"] <= looked
            assert stats["reused"] == len(searches) - stats["searched"]
            assert stats["reused"] > 2  # more than the days after the closure
    for gate in GATES:
        e = plan.entry(f"close-{gate}")
        warm = solve_job(Job(e.scenario, structure, True), cache)
        cold = solve_job(Job(e.scenario, structure, False), ModelCache())
        assert warm.status == cold.status == "optimal"
        assert warm.results.summary["routing"] == cold.results.summary["routing"] == \
            "certified"
        assert warm.solve["objective_usd"] == pytest.approx(cold.solve["objective_usd"],
                                                            rel=1e-6)
