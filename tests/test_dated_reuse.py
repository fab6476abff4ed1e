"""Dated sweep pricing that searches again only what a scenario's duals changed
(model/dated_reuse.py), and skips a search a proven bound says finds nothing
(model/dated_skip.py).

The invariant, restated for the skip (session 15): with the reference's searches reused alone
(``skip=False``) the pass is the full pass, bit for bit; with the skip too, the pass is the
full pass bit for bit in its columns, its initial-queue bounds and every pair row it searched
or reused, and each skipped pair row is a proven lower bound ``>= -tolerance`` on a search
that finds no column (no full-pass column of that origin, product and day; no column of the
scenario's duals below it, re-checked by the verifier on the scenario's run folder). So the
columns, the routes added and the certificate's verdict are the full pass's; only the
skipped rows' ``min_reduced_cost_usd_per_t`` (a lower bound, as a search stopped at its
threshold gives) differs.

tests/data/cg-three-borders (README.md there) over 12 dated days: the sweep's kept model is
the reference priced once per worker (R3 in it); each scenario closes one gate on days 8-9
(days 4-6 where the skip is exercised: closing Vientiane–Nong Khai then skips searches).
The reference pass is made from a restarted solve, so a closure whose re-solve makes no pivot
has the reference's duals on every day: the searches of the dispatch days whose reach does
not include the closed days are taken from the reference.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import CG_GATES, cg_closure_plan

from borderflow.model.column_generation import pricing_inputs
from borderflow.model.dated_columns import price_dated_model
from borderflow.model.dated_skip import SKIP_COLUMNS
from borderflow.model.formulation import bound_updates
from borderflow.pipeline import solve_session
from borderflow.sweeps import Job, ModelCache, solve_job

GATES = CG_GATES


def _priced_cache(plan) -> ModelCache:
    """A worker's cache with the plan's kept model and its reference pass."""
    cache = ModelCache()
    cache.setup()
    kept, _ = cache.model(plan.structures[plan.entry("baseline").structure])
    assert kept.priced is not None and kept.priced.searches
    return cache


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=12, first=8, last=9)


@pytest.fixture(scope="module")
def cache(plan):
    return _priced_cache(plan)


def solved_closure(plan, cache, gate):
    """The kept model of ``plan`` restarted and re-solved for the closure of ``gate``:
    ``(prepared model, scenario network, structure, kept model)``."""
    e = plan.entry(f"close-{gate}")
    structure = plan.structures[e.structure]
    kept, _ = cache.model(structure)
    m = kept.prepared
    net = cache.network(kept, e.scenario)
    m.session.apply(bound_updates(m.built, net))
    m.session.restart_from(kept.basis)
    solve_session(m.session, m.built, net)
    return m, net, structure, kept


def _passes(plan, cache, gate, skip=True):
    """The full pass and the pass with the reference (and ``skip``) of one closure of
    ``plan``, and the tolerance."""
    m, net, structure, kept = solved_closure(plan, cache, gate)
    inputs = pricing_inputs(net)
    full = price_dated_model(m.session, m.built, net, structure.pricing, inputs)
    fast = price_dated_model(m.session, m.built, net, structure.pricing, inputs, kept.priced,
                             skip=skip)
    return full, fast, structure.pricing.tolerance_usd_per_t


@pytest.mark.parametrize("gate", GATES)
def test_reused_searches_give_the_full_pass_bit_for_bit(plan, cache, gate):
    """Each closure priced with and without the reference, its searches reused alone
    (``skip=False``): the same pairs, columns and initial-queue bounds (exactly); the
    reference pass itself is reused whole."""
    full, fast, _ = _passes(plan, cache, gate, skip=False)
    pd.testing.assert_frame_equal(full.result.pairs, fast.result.pairs, check_exact=True)
    pd.testing.assert_frame_equal(full.result.columns, fast.result.columns, check_exact=True)
    pd.testing.assert_frame_equal(full.initial, fast.initial, check_exact=True)
    assert fast.result.stats.get("reused", 0) + fast.result.stats["searched"] == \
        full.result.stats["searched"]
    assert "skipped" not in fast.result.stats and fast.skipped is None


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


@pytest.fixture(scope="module")
def skipping():
    """Closures of days 4-6, and their worker's cache."""
    plan = cg_closure_plan(days=12, first=4, last=6)
    return plan, _priced_cache(plan)


@pytest.mark.parametrize("gate", GATES)
def test_skipped_searches_leave_the_full_pass_but_their_bounds(skipping, gate):
    """The restated invariant (module docstring), with closures of days 4-6: columns and
    initial-queue bounds bit for bit; pair rows bit for bit but the skipped ones, each a
    bound >= -tolerance with 0 labels on a search the full pass finds no column in; every
    search run, reused or skipped. Closing Vientiane–Nong Khai skips some."""
    full, fast, tol = _passes(*skipping, gate)
    pd.testing.assert_frame_equal(full.result.columns, fast.result.columns, check_exact=True)
    pd.testing.assert_frame_equal(full.initial, fast.initial, check_exact=True)
    keys = ["origin", "product_id", "period"]
    skipped = fast.skipped if fast.skipped is not None else pd.DataFrame(columns=SKIP_COLUMNS)
    if gate == "vientiane-nong-khai":
        assert len(skipped) >= 2
    gone = pd.MultiIndex.from_frame(skipped[keys])
    a = full.result.pairs.set_index(keys)
    b = fast.result.pairs.set_index(keys)
    assert a.index.equals(b.index)
    same = ~a.index.isin(gone)
    pd.testing.assert_frame_equal(a[same], b[same], check_exact=True)
    rows = b[~same]
    assert (rows["min_reduced_cost_usd_per_t"] >= -tol).all()
    assert (rows["labels"] == 0).all()
    assert rows["min_reduced_cost_usd_per_t"].tolist() == skipped["bound_usd_per_t"].tolist()
    found = pd.MultiIndex.from_frame(full.result.columns[keys].drop_duplicates())
    assert not gone.isin(found).any()
    stats = fast.result.stats
    assert stats.get("reused", 0) + stats["searched"] + stats.get("skipped", 0) == \
        full.result.stats["searched"]


def test_a_scenario_folder_with_skipped_searches_verifies(skipping, tmp_path):
    """Closing Vientiane–Nong Khai on days 4-6, warm: its run folder lists the skipped
    searches (``pricing_bounds``, ``summary.json``'s ``pricing.skipped_searches``), its
    objective is a cold solve's, and ``borderflow verify`` passes it with a ``pricing_bound``
    row per skipped search re-checked; a bound raised past a column (its reference bound
    raised with it, so the arithmetic holds) fails that re-check."""
    import json

    from borderflow.sweeps.partitions import partition, write_partition
    from borderflow.verify import verify_run

    skip_plan, skip_cache = skipping
    e = skip_plan.entry("close-vientiane-nong-khai")
    structure = skip_plan.structures[e.structure]
    warm = solve_job(Job(e.scenario, structure, True), skip_cache)
    cold = solve_job(Job(e.scenario, structure, False), ModelCache())
    assert warm.solve["objective_usd"] == pytest.approx(cold.solve["objective_usd"], rel=1e-6)
    write_partition(tmp_path, skip_plan, e, warm)
    folder = partition(tmp_path, e.scenario.name)
    table = pd.read_parquet(folder / "pricing_bounds.parquet")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["routing"] == "certified"
    assert summary["pricing"]["skipped_searches"] == len(table) >= 2
    report = verify_run(folder)
    assert report["ok"].all(), report[~report["ok"]]
    checked = report[report["check"] == "pricing_bound"]
    assert checked["entity"].str.endswith("no column of the run's duals below the bound") \
        .sum() == len(table)
    row = int(np.flatnonzero(np.isfinite(table["bound_usd_per_t"].to_numpy()))[0])
    table.loc[row, ["bound_usd_per_t", "reference_bound_usd_per_t"]] += 1e4
    table.to_parquet(folder / "pricing_bounds.parquet")
    bad = verify_run(folder)
    failed = bad[(bad["check"] == "pricing_bound") & ~bad["ok"]]
    assert failed["entity"].str.endswith("no column of the run's duals below the bound").any()


def test_a_pass_without_pivots_shares_the_reference_passs_dual_mappings(plan, cache,
                                                                         monkeypatch):
    """The supply, market and share-term mappings of a pass are made once per index table and
    duals, bit for bit (``dated_columns._DUAL_MAPS``): a closure whose re-solve makes no pivot
    (Boten–Mohan, days 8-9) reads the reference pass's mappings (the same objects), each equal
    to the mapping made afresh; a closure whose duals moved gets mappings of its own, equal to
    those made afresh. (cg-three-borders has no share rows: the share-term mapping, made the
    same way, is tested where it is not empty by
    ``test_dated_skip_shares.py::test_one_share_mapping_equals_itself``.)"""
    from borderflow.data.memo import ByIdentity
    from borderflow.model import dated_columns
    from borderflow.model.dated_columns import read_dated_duals
    from borderflow.model.dated_reuse import equal_share_terms

    def fresh(m, net, graph):
        with monkeypatch.context() as mp:  # nothing kept: every mapping made again
            mp.setattr(dated_columns, "_DUAL_MAPS", ByIdentity(size=9))
            return read_dated_duals(m.session, m.built, net, graph, memo=True)[0]

    structure = plan.structures[plan.entry("baseline").structure]
    kept, _ = cache.model(structure)
    m = kept.prepared
    graph = pricing_inputs(m.net)[0]
    out = {}
    for name in ("baseline", "close-boten-mohan", "close-vientiane-nong-khai"):
        net = cache.network(kept, plan.entry(name).scenario)
        m.session.apply(bound_updates(m.built, net))
        m.session.restart_from(kept.basis)
        summary = solve_session(m.session, m.built, net)
        got = read_dated_duals(m.session, m.built, net, graph, memo=True)[0]
        new = fresh(m, net, graph)
        for field in ("supply_usd_per_t", "market_usd_per_t", "share_usd_per_t"):
            assert getattr(got, field) == getattr(new, field)
            assert getattr(got, field) is not getattr(new, field) or not getattr(got, field)
        out[name] = (summary.iterations, got)
    (_, base), (pivots, same) = out["baseline"], out["close-boten-mohan"]
    assert pivots == 0
    for field in ("supply_usd_per_t", "market_usd_per_t"):
        assert getattr(same, field) is getattr(base, field)
    assert equal_share_terms(same, base)  # no share rows here: both empty
    moved_pivots, moved = out["close-vientiane-nong-khai"]
    assert moved_pivots > 0 and moved.supply_usd_per_t is not base.supply_usd_per_t


def _rule(reuse, product, origin, t):
    """The reuse rule of :meth:`Reuse.result` written out per search (session 24's code:
    supply dual, the days of its reach, its closures, its share terms), to hold the
    per-(product, day) memo and the one-supply-mapping shortcut to it."""
    from borderflow.model.dated_reuse import same_shares

    key = (origin, product.product_id, t)
    found = reuse.ref.searches.get(key)
    if found is None:
        return None
    if reuse._duals.supply_usd_per_t.get(key, 0.0) != \
            reuse.ref.duals.supply_usd_per_t.get(key, 0.0):
        return None
    last = t + int(product.shelf_life_h // 24) + int(reuse._duals.max_wait_days) + 2
    if not (reuse._clean(reuse._cross, t, last)
            and reuse._clean(reuse._market_days(product), t, last)):
        return None
    if reuse._closures and not found[2].isdisjoint(set(reuse._closures)):
        return None
    if not same_shares(reuse._duals, reuse.ref.duals, product, origin, t):
        return None
    return found


@pytest.mark.parametrize("gate", GATES)
def test_each_search_is_reused_as_the_rule_says(plan, cache, gate):
    """Session 25: :class:`Reuse` decides the days of a search's reach once per product and
    day (not per origin) and reads no supply dual when both passes share one supply mapping
    (the same duals bit for bit). Search by search, its answer is the rule's, written out
    (:func:`_rule`): each closure's duals as solved, and again with one supply dual raised
    (a new mapping, so the duals are compared key by key), the reference's own duals (every
    search reused), and a mapping with a NaN dual (never reused)."""
    from borderflow.model.dated_columns import read_dated_duals
    from borderflow.model.dated_reuse import Reuse

    m, net, structure, kept = solved_closure(plan, cache, gate)
    graph, products = kept.priced.graph, list(kept.priced.products)  # the reference's inputs
    duals, _ = read_dated_duals(m.session, m.built, net, graph)
    p = structure.pricing
    options = (p.columns_per_pair, p.tolerance_usd_per_t, p.max_labels, p.dominance,
               p.hour_bounds)
    key = next(iter(kept.priced.searches))
    raised = dict(duals.supply_usd_per_t)
    raised[key] = raised.get(key, 0.0) + 1.0
    nan = dict(kept.priced.duals.supply_usd_per_t)
    nan[key] = float("nan")
    variants = [duals, replace(duals, supply_usd_per_t=raised), kept.priced.duals,
                replace(kept.priced.duals, supply_usd_per_t=nan)]
    for i, variant in enumerate(variants):
        reuse = Reuse(kept.priced, variant, graph, products, options)
        assert reuse.ok
        if i:
            assert reuse._same_supply == (i == 2)
        answers = []
        for product in products:
            for t in range(duals.n_periods):
                for origin in product.origins:
                    got = reuse.result(product, origin, t)
                    assert got is _rule(reuse, product, origin, t)
                    answers.append(got is not None)
        if i == 2:
            assert sum(answers) == len(kept.priced.searches)
        assert any(answers) or i == 3
    assert not Reuse(kept.priced, variants[3], graph, products, options).result(
        next(pr for pr in products if pr.product_id == key[1]), key[0], key[2])


def test_a_pass_reads_the_row_duals_once_and_the_same(plan, cache):
    """Session 25: :func:`read_dated_duals` reads the solve's row duals once a pass and takes
    each family's from them: bit for bit what a read per family gives (every family of the
    dated model, and the duals and mappings made from them)."""
    from borderflow.model.column_generation import _row_duals
    from borderflow.model.dated_columns import _array, read_dated_duals

    m, net, structure, kept = solved_closure(plan, cache, GATES[0])
    y = np.asarray(m.session.highs.getSolution().row_dual, dtype=float)
    for family in ("crossing_capacity", "supply_balance", "market_demand", "priority_share",
                   "destination_share", "initial_queue_total"):
        comp = getattr(m.built.model, family)
        assert _row_duals(m.session, comp).tobytes() == _row_duals(m.session, comp, y).tobytes()
    graph, ix = kept.priced.graph, m.built.index
    duals, eta = read_dated_duals(m.session, m.built, net, graph)
    capacity = _array(graph, ix.n_periods, ix.capacity_rows, np.maximum(
        -_row_duals(m.session, m.built.model.crossing_capacity), 0.0))
    assert duals.capacity_usd_per_truck.tobytes() == capacity.tobytes()
    supply = _row_duals(m.session, m.built.model.supply_balance).tolist()
    assert list(duals.supply_usd_per_t.values()) == supply
    if len(ix.initial):
        assert eta.tobytes() == _row_duals(m.session, m.built.model.initial_queue_total).tobytes()
