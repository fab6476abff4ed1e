"""A dated sweep scenario's pricing passes reuse its own previous pass (model/dated_reuse.py
``Reuses``; borderflow/pipeline.py ``generate_columns``): after a re-solve over new routes, a
search whose duals the re-solve left as they were takes the previous pass's result. The pass
is the full pass, bit for bit, and the sweep's outcomes are those without the reuse.

tests/data/cg-three-borders over 12 dated days, each gate of CG_GATES closed on days 8-9 (as
tests/test_dated_reuse.py).
"""

from __future__ import annotations

from dataclasses import fields

import pandas as pd
import pytest
from helpers import CG_GATES, cg_closure_plan

import borderflow.pipeline as pipeline
from borderflow.model.column_generation import pricing_inputs
from borderflow.model.dated_columns import price_dated_model
from borderflow.model.formulation import bound_updates
from borderflow.pipeline import solve_session
from borderflow.options import RunOptions
from borderflow.sweeps import Job, ModelCache, solve_job
from borderflow.sweeps.worker import build


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=12, first=8, last=9)


@pytest.fixture(scope="module")
def cache(plan):
    cache = ModelCache()
    cache.setup()
    kept, _ = cache.model(plan.structures[plan.entry("baseline").structure])
    assert kept.priced is not None
    return cache


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.result.pairs, b.result.pairs, check_exact=True)
    pd.testing.assert_frame_equal(a.result.columns, b.result.columns, check_exact=True)
    pd.testing.assert_frame_equal(a.initial, b.initial, check_exact=True)


@pytest.mark.parametrize("gate", CG_GATES)
def test_a_pass_kept_and_reused_on_the_same_duals_is_the_full_pass(plan, cache, gate):
    """A closure re-solved warm and priced in full, then priced keeping its pass (with the
    sweep's reference), then again with (reference, kept pass): the last pass searches
    nothing and gives the full pass's pairs, columns and initial-queue bounds exactly; the
    kept pass alone (no sweep reference) does too."""
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
    first = price_dated_model(m.session, m.built, net, structure.pricing, inputs,
                              kept.priced, keep=True)
    _same(full, first)
    assert first.reference is not None
    # it keeps the searches it ran; those it took from the sweep's reference are there
    assert len(first.reference.searches) == first.result.stats["searched"]
    again = price_dated_model(m.session, m.built, net, structure.pricing, inputs,
                              (kept.priced, first.reference))
    _same(full, again)
    assert again.result.stats["searched"] == 0
    assert again.result.stats["reused"] == full.result.stats["searched"]
    own = price_dated_model(m.session, m.built, net, structure.pricing, inputs, keep=True)
    alone = price_dated_model(m.session, m.built, net, structure.pricing, inputs,
                              (own.reference,))
    _same(full, alone)
    assert alone.result.stats["searched"] == 0


def test_sweep_outcomes_equal_those_without_the_own_reuse(plan, cache, monkeypatch):
    """Every closure solved warm with the reuse of its own passes and with it turned off
    (``price_once`` never keeping a pass): the same objective, iterations, routing and
    tables, bit for bit; each equals a cold solve to 1e-6 and is certified."""
    structure = plan.structures[plan.entry("baseline").structure]
    price = pipeline.price_once

    def without(*args, **kwargs):
        kwargs["keep"] = False
        return price(*args, **kwargs)

    for gate in CG_GATES:
        e = plan.entry(f"close-{gate}")
        warm = solve_job(Job(e.scenario, structure, True), cache)
        monkeypatch.setattr(pipeline, "price_once", without)
        plain = solve_job(Job(e.scenario, structure, True), cache)
        monkeypatch.setattr(pipeline, "price_once", price)
        cold = solve_job(Job(e.scenario, structure, False), ModelCache())
        assert warm.status == plain.status == cold.status == "optimal"
        assert warm.solve["objective_usd"] == plain.solve["objective_usd"]
        assert warm.solve["iterations"] == plain.solve["iterations"]
        assert warm.results.summary["routing"] == cold.results.summary["routing"] == \
            "certified"
        assert warm.solve["objective_usd"] == pytest.approx(cold.solve["objective_usd"],
                                                            rel=1e-6)
        for f in fields(warm.results):
            table = getattr(warm.results, f.name)
            if isinstance(table, pd.DataFrame):
                pd.testing.assert_frame_equal(table, getattr(plain.results, f.name),
                                              check_exact=True)


def test_column_generation_with_its_own_passes_kept_is_the_plain_one(plan, cache,
                                                                       monkeypatch):
    """The capped (unpriced) baseline model, whose pricing finds routes (R3, so a second
    pass runs after the re-solve over them): column generation given a sweep reference keeps
    each pass and offers it to the next (the second pass gets a tuple of two); with its passes
    never kept, the same rounds, routes, objective, iterations and gap bound, exactly."""
    structure = plan.structures[plan.entry("baseline").structure]
    kept, _ = cache.model(structure)
    tables = cache.dataset(structure)
    seen = []
    price = pipeline.price_once

    def recorded(*args, **kwargs):
        ref = args[3] if len(args) > 3 else kwargs.get("reference")
        seen.append(len(ref) if isinstance(ref, tuple) else int(ref is not None))
        return price(*args, **kwargs)

    def without(*args, **kwargs):
        kwargs["keep"] = False
        return price(*args, **kwargs)

    out = {}
    for name, wrap in (("own", recorded), ("plain", without)):
        model = build(tables, structure)
        summary = solve_session(model.session, model.built, model.net, structure.rolling)
        monkeypatch.setattr(pipeline, "price_once", wrap)
        out[name] = pipeline.generate_columns(model, summary,
                                              RunOptions(pricing=structure.pricing),
                                              reference=kept.priced)
        monkeypatch.setattr(pipeline, "price_once", price)
    (m1, s1, r1), (m2, s2, r2) = out["own"], out["plain"]
    assert r1.routes_generated > 0 and r1.rounds >= 2 and seen[1:] and min(seen[1:]) == 2
    assert (r1.status, r1.rounds, r1.routes_generated, r1.gap_bound_usd) == \
        (r2.status, r2.rounds, r2.routes_generated, r2.gap_bound_usd)
    assert s1.objective_usd == s2.objective_usd and s1.iterations == s2.iterations
    pd.testing.assert_frame_equal(m1.routes.routes, m2.routes.routes, check_exact=True)
