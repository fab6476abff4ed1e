"""Reuse and the skip bound of a dated sweep scenario's searches with destination-share terms
(model/dated_reuse.py ``same_shares``, model/dated_skip.py ``SkipBound``), and the verifier's
re-check of such a skip (borderflow/certificate_skip.py).

The network is ``pricing_cases.two_roads`` with a fee on each road (as tests/test_dated_skip.py):
o -> a by the fast road (1 h, 50 USD/truck) or the slow one (30 h, 60 USD/truck), then the
crossing a -> b into the market b (price 0), payload 10 t, no wait. The reference's capacity
dual of the crossing is 300 USD/truck on day 0, every supply dual 0, and the destination-share
term of (o, p, b, day 0) is +1 USD/t: every column of day 0 pays it, so the reference's search
of day 0 stops at once with the bound b = (50 + 0) / 10 + 1 = 6 USD/t (the fast road with the
crossing's least dual over the days it can reach, 0).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from helpers import verified_skip
from pricing_cases import two_roads

from borderflow.model.dated_pricing import EXPIRE, DatedDuals, price_dated
from borderflow.model.dated_reuse import ReferencePricing, Reuse
from borderflow.model.dated_skip import SKIP_COLUMNS, SkipBound

TOL = 1e-7
OPTIONS = (1, TOL, 2_000_000, False, False)  # (columns, tolerance, labels, dominance, hours)
KEY = ("o", "p", "b", 0)
CG_DATA_SHARE = Path(__file__).parent / "data" / "cg-toll-vot-share"


def _reference(share: float = 1.0, capacity=(300.0,), penalty: float = 500.0, days: int = 3):
    """The reference pass (module docstring) with the share term ``share`` of day 0, the
    crossing's capacity dual ``capacity`` on days 0, 1, ... and the product's penalty."""
    graph, product = two_roads(fee=50.0)
    product = dataclasses.replace(product, penalty_usd_per_t=penalty)
    duals = DatedDuals.zeros(graph, days, max_wait_days=0)
    for d, v in enumerate(capacity):
        duals.capacity_usd_per_truck[0, 0, d] = v
    duals.share_usd_per_t = {KEY: share}
    record: dict = {}
    price_dated(graph, [product], duals, [0], tolerance=TOL, record=record)
    ref = ReferencePricing(duals=duals, graph=graph, products=(product,), options=OPTIONS,
                           searches=record)
    return graph, product, ref


def _pass(ref, graph, product, duals):
    reuse = Reuse(ref, duals, graph, [product], OPTIONS)
    skip = SkipBound(reuse, graph, TOL)
    res = price_dated(graph, [product], duals, [0], tolerance=TOL, reuse=reuse, skip=skip)
    return res, reuse, skip


def test_a_search_is_reused_only_with_its_share_terms_equal():
    """The same duals: the search is the reference's (reused, none run). The share term of
    (o, p, b, 0) moved from 1 to 1.5 USD/t (every other dual equal): not reused; a term of
    another origin moved: still reused (the search reads its own origin's only)."""
    graph, product, ref = _reference()
    assert ref.searches[("o", "p", 0)][0][4] == pytest.approx(6.0)
    same = copy.deepcopy(ref.duals)
    res, reuse, _ = _pass(ref, graph, product, same)
    assert res.stats["reused"] == 1 and res.stats["searched"] == 0
    assert reuse.result(product, "o", 0) is ref.searches[("o", "p", 0)]
    moved = copy.deepcopy(ref.duals)
    moved.share_usd_per_t = {KEY: 1.5}
    assert Reuse(ref, moved, graph, [product], OPTIONS).result(product, "o", 0) is None
    other = copy.deepcopy(ref.duals)
    other.share_usd_per_t = {KEY: 1.0, ("q", "p", "b", 0): -4.0}
    assert Reuse(ref, other, graph, [product], OPTIONS).result(product, "o", 0) is not None


def test_a_skip_bound_holds_with_a_share_term_that_fell():
    """The share term falls from 1 to -0.5 USD/t (so the expire column is priced now, and was
    not in the reference: the skip is refused), or to 0.2 (a fall of 0.8): every column costs
    at least 6 - 0.8 = 5.2 USD/t, so the search is skipped with that bound. By hand the pass's
    columns: slow road (crossing day 1) 60/10 + 0.2 = 6.2, fast road (day 0) 350/10 + 0.2 =
    35.2: both >= 5.2, and a full search finds no column."""
    graph, product, ref = _reference()
    duals = copy.deepcopy(ref.duals)
    duals.share_usd_per_t = {KEY: 0.2}
    res, _, skip = _pass(ref, graph, product, duals)
    assert res.stats["skipped"] == 1 and res.stats["searched"] == 0
    rec = dict(zip(SKIP_COLUMNS, skip.records[0]))
    assert rec["share_fall_usd_per_t"] == pytest.approx(0.8)
    assert rec["bound_usd_per_t"] == pytest.approx(5.2)
    full = price_dated(graph, [product], duals, [0], tolerance=-math.inf, max_columns=4)
    assert sorted(full.columns["reduced_cost_usd_per_t"]) == pytest.approx([6.2, 35.2])
    # a rise of the term (1 -> 3) lowers no column: the bound stays 6
    up = copy.deepcopy(ref.duals)
    up.share_usd_per_t = {KEY: 3.0}
    _, _, skip = _pass(ref, graph, product, up)
    assert dict(zip(SKIP_COLUMNS, skip.records[0]))["bound_usd_per_t"] == pytest.approx(6.0)


def test_a_share_term_negative_only_in_the_pass_refuses_the_skip():
    """The crossing dear on every day (300 USD/truck), penalty 0: the reference's bound is
    (50 + 300)/10 + 1 = 36 USD/t. The pass's term -3 USD/t adds the expire column (fast road,
    written off after the gate: 50/10 + 0 - 3 = 2 USD/t), which the reference never priced:
    36 - 4 = 32 would not bound it, so the search is not skipped; it runs."""
    graph, product, ref = _reference(capacity=(300.0,) * 10, penalty=0.0, days=10)
    assert ref.searches[("o", "p", 0)][0][4] == pytest.approx(36.0)
    duals = copy.deepcopy(ref.duals)
    duals.share_usd_per_t = {KEY: -3.0}
    res, _, skip = _pass(ref, graph, product, duals)
    assert res.stats["searched"] == 1 and not skip.records
    full = price_dated(graph, [product], duals, [0], tolerance=-math.inf, max_columns=4)
    cols = full.columns.sort_values("reduced_cost_usd_per_t")
    assert cols["reduced_cost_usd_per_t"].iloc[0] == pytest.approx(2.0)
    assert cols["departure"].iloc[0] == EXPIRE


def test_an_expire_column_priced_in_both_moves_with_the_share_term():
    """The reference's term -1 USD/t prices the expire column (penalty 0, fast road: 5 - 1 =
    4 USD/t, the least column; a supply dual 0). The pass's term -1.5: the bound 4 - 0.5 =
    3.5 by the fall, which is the expire column's reduced cost by hand (5 - 1.5): tight."""
    graph, product, ref = _reference(share=-1.0, penalty=0.0)
    b = ref.searches[("o", "p", 0)][0][4]
    assert b == pytest.approx(4.0)
    duals = copy.deepcopy(ref.duals)
    duals.share_usd_per_t = {KEY: -1.5}
    res, _, skip = _pass(ref, graph, product, duals)
    assert res.stats["skipped"] == 1
    assert dict(zip(SKIP_COLUMNS, skip.records[0]))["bound_usd_per_t"] == pytest.approx(3.5)
    full = price_dated(graph, [product], duals, [0], tolerance=-math.inf, max_columns=4)
    assert full.columns["reduced_cost_usd_per_t"].min() == pytest.approx(3.5)


def test_an_expire_column_below_the_threshold_is_found_with_the_gate_dear_every_day():
    """The crossing dear on all 10 days (300 USD/truck), penalty 0, share term -1 USD/t,
    supply dual 10 USD/t: the expire column of the fast road costs 50/10 + 0 - 1 - 10 = -6
    USD/t (it pays no gate dual), the slow road's -5. A bound counting the gate's least dual
    (35 - 1 - 10 = 24) would stop the search at once with no column; the search finds both,
    the least first, exact."""
    graph, product = two_roads(fee=50.0)
    product = dataclasses.replace(product, penalty_usd_per_t=0.0)
    duals = DatedDuals.zeros(graph, 10, max_wait_days=0)
    duals.capacity_usd_per_truck[0, 0, :] = 300.0
    duals.share_usd_per_t = {KEY: -1.0}
    duals.supply_usd_per_t = {("o", "p", 0): 10.0}
    for hours in (False, True):
        res = price_dated(graph, [product], duals, [0], tolerance=TOL, max_columns=4,
                          hour_bounds=hours)
        assert res.columns["reduced_cost_usd_per_t"].tolist() == pytest.approx([-6.0, -5.0])
        assert (res.columns["departure"] == EXPIRE).all()
        assert res.pairs["exact"].iloc[0]


def _verified(bound: float, ref: float, share_fall: float) -> pd.DataFrame:
    """The verifier's rows of a skip of (o, p, 0) (reference bound ``ref``, share fall
    ``share_fall``), its own search over the pass's columns per truck with the share term
    0.2 USD/t (x 10 t) included: slow road 60 + 2, fast 350 + 2."""
    return verified_skip(("o", "p", 0, bound, ref, 0.0, 0.0, 1, 0.0, 10.0, share_fall),
                         (62.0, 352.0), 0.0, TOL)


def _failed(rows: pd.DataFrame) -> list:
    return list(rows.loc[~rows["ok"], "entity"])


def test_the_verifier_re_checks_a_skip_with_share_terms():
    """The skip above (6 - 0.8 = 5.2) passes every row. Tampered to 6.5 with its reference
    bound raised to match (7.3 - 0.8: the arithmetic holds) the verifier's own search, share
    term included, finds the slow road at 6.2 USD/t, 0.3 below: that row fails. The share
    fall dropped from the record (5.2 from 6 and no fall) fails the arithmetic, and a negative
    fall the signs."""
    good = _verified(5.2, 6.0, 0.8)
    assert good["ok"].all(), good[~good["ok"]]
    bad = _verified(6.5, 7.3, 0.8)
    assert _failed(bad) == ["o/p @0: no column of the run's duals below the bound"]
    assert bad.loc[~bad["ok"], "amount"].iloc[0] == pytest.approx(0.3)
    assert _failed(_verified(5.2, 6.0, 0.0)) == ["o/p @0: bound = its inputs"]
    sign = _failed(_verified(6.0, 5.5, -0.5))
    assert len(sign) == 1 and sign[0].startswith("o/p @0: falls and rises >= 0")


@pytest.fixture(scope="module")
def share_plan():
    """tests/data/cg-toll-vot-share (Vietnamese dragon fruit to Nanning via Huu Nghi or to
    Kunming via Lao Cai, at least 40 % to Yunnan per dispatch day) over 5 dated days, with
    Huu Nghi–Youyiguan closed on days 1-3: every dispatch day has share rows."""
    from helpers import CG_START

    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.data.scenario_events import CloseEvent, Window
    from borderflow.sweeps import plan_scenarios

    data = CG_DATA_SHARE
    horizon = Horizon(start=CG_START, days=5)
    shut = Window(**{"from": CG_START + dt.timedelta(days=1),
                     "to": CG_START + dt.timedelta(days=3)})
    return plan_scenarios([Scenario(name="baseline", horizon=horizon),
                           Scenario(name="close-huu-nghi", horizon=horizon,
                                    events=(CloseEvent(crossing="huu-nghi-youyiguan",
                                                       close=shut),))],
                          data=data, tables=load_dataset(data))


def test_a_warm_sweep_with_share_rows_equals_cold_solves(share_plan, monkeypatch):
    """Both scenarios warm on one kept model (their pricing reusing the reference's searches
    whose share terms did not move: 2 of the closure's 5, the days before it and after) and
    cold: the same objective (1e-9 relative), both certified, with share rows whose duals
    are not all 0."""
    import borderflow.pricing_scope as scope
    from borderflow.sweeps import Job, ModelCache, solve_job

    passes, price = [], scope.price_dated_model

    def counted(*args, **kwargs):
        found = price(*args, **kwargs)
        passes.append(found.result.stats)
        return found

    monkeypatch.setattr(scope, "price_dated_model", counted)
    cache = ModelCache()
    for name in share_plan.names():
        e = share_plan.entry(name)
        structure = share_plan.structures[e.structure]
        passes.clear()
        warm = solve_job(Job(e.scenario, structure, True), cache)
        if name != "baseline":
            assert sum(p.get("reused", 0) + p.get("skipped", 0) for p in passes) >= 1
            assert (warm.results.share_duals["dual_usd_per_t"] != 0).any()
        cold = solve_job(Job(e.scenario, structure, False), ModelCache())
        assert warm.status == cold.status == "optimal", (warm.message, cold.message)
        assert warm.solve["objective_usd"] == pytest.approx(cold.solve["objective_usd"],
                                                           rel=1e-9)
        assert warm.results.summary["routing"] == cold.results.summary["routing"] \
            == "certified"
        assert len(warm.results.share_duals) > 0


def test_same_shares_compares_whole_mappings_once_per_pass_and_falls_back_per_search():
    """``equal_share_terms``: mappings equal as dicts (two objects, a re-solve without a pivot)
    are equal whole, and ``Reuse`` compares them once for its pair of passes; unequal ones
    are compared by ``same_shares`` at the search's own keys (another origin's term moved:
    equal; its own: not); a 1e-12 move is not equal whole nor at its key."""
    from borderflow.model.dated_reuse import equal_share_terms, same_shares

    graph, product, ref = _reference()
    equal = copy.deepcopy(ref.duals)
    assert equal.share_usd_per_t is not ref.duals.share_usd_per_t
    assert equal_share_terms(equal, ref.duals)
    assert Reuse(ref, equal, graph, [product], OPTIONS)._same_share_terms
    assert same_shares(equal, ref.duals, product, "o", 0)
    other = copy.deepcopy(ref.duals)
    other.share_usd_per_t = {KEY: 1.0, ("q", "p", "b", 0): -4.0}
    assert not equal_share_terms(other, ref.duals)
    assert not Reuse(ref, other, graph, [product], OPTIONS)._same_share_terms
    assert same_shares(other, ref.duals, product, "o", 0)
    assert not same_shares(other, ref.duals, product, "q", 0)
    assert same_shares(other, ref.duals, product, "q", 0, whole=True)
    moved = copy.deepcopy(ref.duals)
    moved.share_usd_per_t = {KEY: 1.0 + 1e-12}
    assert not equal_share_terms(moved, ref.duals)
    assert not same_shares(moved, ref.duals, product, "o", 0)


def _solved_baseline(share_plan):
    """The share plan's kept baseline model, solved warm from its basis, and its pricing
    graph."""
    from borderflow.model.column_generation import pricing_inputs
    from borderflow.pipeline import solve_session
    from borderflow.sweeps import ModelCache

    cache = ModelCache()
    cache.setup()
    kept, _ = cache.model(share_plan.structures[share_plan.entry("baseline").structure])
    m = kept.prepared
    m.session.restart_from(kept.basis)
    solve_session(m.session, m.built, m.net)
    return m, pricing_inputs(m.net)[0]


def test_one_share_mapping_equals_itself(share_plan, monkeypatch):
    """The share-term mapping of a pass is made once per share rows and duals, bit for bit
    (``dated_columns._DUAL_MAPS``): read twice from one solve of the kept model (as the
    reference's pass and a closure's re-solve without a pivot read it), the same object,
    non-empty, equal to the mapping made afresh; ``equal_share_terms`` of it and itself is
    True, as ``==`` of two equal copies is."""
    from borderflow.data.memo import ByIdentity
    from borderflow.model import dated_columns
    from borderflow.model.dated_reuse import equal_share_terms

    m, graph = _solved_baseline(share_plan)
    first = dated_columns.read_dated_duals(m.session, m.built, m.net, graph, memo=True)[0]
    again = dated_columns.read_dated_duals(m.session, m.built, m.net, graph, memo=True)[0]
    assert first.share_usd_per_t and again.share_usd_per_t is first.share_usd_per_t
    monkeypatch.setattr(dated_columns, "_DUAL_MAPS", ByIdentity(size=9))
    new = dated_columns.read_dated_duals(m.session, m.built, m.net, graph, memo=True)[0]
    assert new.share_usd_per_t is not first.share_usd_per_t
    assert new.share_usd_per_t == first.share_usd_per_t
    assert equal_share_terms(again, first) and equal_share_terms(new, first)


def test_a_single_runs_pass_keeps_no_mapping(share_plan, monkeypatch):
    """Outside a sweep (``memo`` False, as a single run's pricing passes read their duals)
    the mappings are made afresh each time and nothing is kept in ``_DUAL_MAPS``: a single
    run never repeats its duals, and kept mappings raised a 365-day run's peak by 161 MB."""
    from borderflow.data.memo import ByIdentity
    from borderflow.model import dated_columns

    m, graph = _solved_baseline(share_plan)
    empty = ByIdentity(size=9)
    monkeypatch.setattr(dated_columns, "_DUAL_MAPS", empty)
    first = dated_columns.read_dated_duals(m.session, m.built, m.net, graph)[0]
    again = dated_columns.read_dated_duals(m.session, m.built, m.net, graph)[0]
    assert empty._entries == []
    for field in ("supply_usd_per_t", "market_usd_per_t", "share_usd_per_t"):
        assert getattr(first, field) == getattr(again, field)
        assert getattr(first, field) is not getattr(again, field)
    assert first.share_usd_per_t  # the share rows are there: the test can tell
