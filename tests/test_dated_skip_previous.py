"""A dated sweep scenario's search skipped against its own previous pricing pass
(model/dated_skip.py ``EitherSkip``, model/dated_reuse.py ``ScenarioPasses``), and the
verifier's re-check of such a row (borderflow/certificate_skip.py).

The tiny network is ``pricing_cases.two_roads`` with a fee on each road (as
tests/test_dated_skip.py): o -> a by the fast road (1 h, 50 USD/truck) or the slow one (30 h,
60 USD/truck), then the crossing a -> b into the market b (price 0), payload 10 t, no wait.
The reference's capacity dual of the crossing is 300 USD/truck on day 0, every supply dual
0: its search of day 0 has the bound 5 USD/t (its first key) and finds nothing.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from helpers import verified_skip
from pricing_cases import two_roads

from borderflow.model.dated_pricing import price_dated
from borderflow.model.dated_reuse import ReferencePricing, Reuse
from borderflow.model.dated_skip import SKIP_COLUMNS, EitherSkip, SkipBound
from test_dated_skip import _reference

TOL = 1e-7
OPTIONS = (1, TOL, 2_000_000, False, False)  # (columns, tolerance, labels, dominance, hours)


def _pass(ref, previous, graph, product, duals):
    """One pass of the scenario: reuse and skip against the reference, then the skip against
    ``previous`` (None: none); ``(result, skip, the pass kept as the next one's previous)``."""
    reuse = Reuse(ref, duals, graph, [product], OPTIONS)
    skip = SkipBound(reuse, graph, TOL)
    if previous is not None:
        skip = EitherSkip(skip, SkipBound(Reuse(previous, duals, graph, [product], OPTIONS),
                                          graph, TOL))
    record: dict = {}
    res = price_dated(graph, [product], duals, [0], tolerance=TOL, reuse=reuse, skip=skip,
                      record=record)
    kept = ReferencePricing(duals=duals, graph=graph, products=(product,), options=OPTIONS,
                            searches=record)
    return res, skip, kept


def _scenario(supply_usd_per_t: float, capacity_usd_per_truck: float = 290.0):
    graph, product = two_roads(fee=50.0)
    ref = _reference(graph, product)
    duals = copy.deepcopy(ref.duals)
    duals.capacity_usd_per_truck[0, 0, 0] = capacity_usd_per_truck
    duals.supply_usd_per_t = {("o", "p", 0): supply_usd_per_t}
    return graph, product, ref, duals


def test_the_previous_pass_skips_what_the_reference_cannot():
    """Pass 1: the supply dual rose to 5.5 USD/t, so the reference's bound gives 5 - 5.5 -
    10/10 < 0 and the search runs; it finds nothing, its least column the slow road at 60/10
    - 5.5 = 0.5 USD/t (exact). Pass 2: the supply dual rises 0.2 more (5.7), the crossing
    dual is unchanged: against the reference 5 - 5.7 - 1 < 0 still, against pass 1 0.5 - 0.2
    - 0 = 0.3 >= -tolerance, so it is skipped with bound 0.3, which is the slow road's
    reduced cost by hand (6 - 5.7): tight, and a full search finds nothing below it."""
    graph, product, ref, duals = _scenario(5.5)
    first, _, kept = _pass(ref, None, graph, product, duals)
    assert first.stats["searched"] == 1 and first.columns.empty
    b = kept.searches[("o", "p", 0)][0][4]
    assert b == pytest.approx(0.5)
    later = copy.deepcopy(duals)
    later.supply_usd_per_t = {("o", "p", 0): 5.7}
    res, skip, _ = _pass(ref, kept, graph, product, later)
    assert res.stats["skipped"] == 1 and res.stats["searched"] == 0
    rec = dict(zip(SKIP_COLUMNS, skip.records[0]))
    assert rec["reference_bound_usd_per_t"] == pytest.approx(0.5)
    assert rec["supply_rise_usd_per_t"] == pytest.approx(0.2)
    assert rec["crossing_fall_usd_per_truck"] == 0.0
    assert rec["bound_usd_per_t"] == pytest.approx(0.3)
    assert res.pairs["min_reduced_cost_usd_per_t"].iloc[0] == pytest.approx(0.3)
    full = price_dated(graph, [product], later, [0], tolerance=TOL)
    assert full.columns.empty
    assert full.pairs["min_reduced_cost_usd_per_t"].iloc[0] == pytest.approx(0.3)


def test_the_previous_pass_is_not_used_where_it_found_a_column_or_the_duals_fell():
    """Pass 1 at a supply dual of 7 USD/t finds the slow road (6 - 7 = -1 USD/t): pass 2
    with the same duals must search again (that pass's bound is no bound on a column it
    found). And a pass 1 whose least column is 0.5 USD/t followed by a supply rise of 1 USD/t
    (0.5 - 1 < 0) searches again and finds the slow road at -0.5."""
    graph, product, ref, duals = _scenario(7.0)
    first, _, kept = _pass(ref, None, graph, product, duals)
    assert len(first.columns) == 1
    res, skip, _ = _pass(ref, kept, graph, product, copy.deepcopy(duals))
    assert res.stats["searched"] == 1 and not skip.records
    assert res.columns["reduced_cost_usd_per_t"].tolist() == pytest.approx([-1.0])
    graph, product, ref, duals = _scenario(5.5)
    _, _, kept = _pass(ref, None, graph, product, duals)
    later = copy.deepcopy(duals)
    later.supply_usd_per_t = {("o", "p", 0): 6.5}
    res, skip, _ = _pass(ref, kept, graph, product, later)
    assert res.stats["searched"] == 1 and not skip.records
    assert res.columns["reduced_cost_usd_per_t"].tolist() == pytest.approx([-0.5])


def test_a_skipped_search_is_never_passed_on_as_a_result():
    """A pass whose search was skipped (against the reference: the crossing dual fell to 290,
    the supply dual rose to 2, 5 - 2 - 1 = 2) records nothing for it, so the next pass has no
    bound of that pass to skip against: it skips against the reference again or searches."""
    graph, product, ref, duals = _scenario(2.0)
    res, _, kept = _pass(ref, None, graph, product, duals)
    assert res.stats["skipped"] == 1 and kept.searches == {}
    later = copy.deepcopy(duals)
    later.supply_usd_per_t = {("o", "p", 0): 4.5}  # 5 - 4.5 - 1 < 0: the reference fails
    res, _, _ = _pass(ref, kept, graph, product, later)
    assert res.stats["searched"] == 1 and res.stats.get("skipped", 0) == 0


def _verified(bound: float, ref: float, rise: float) -> pd.DataFrame:
    """The verifier's rows of a skip of (o, p, 0) at the supply dual 5.7 USD/t: its own
    search over the two roads' columns per truck (fast 50 + 290, slow 60)."""
    return verified_skip(("o", "p", 0, bound, ref, rise, 0.0, 1, 0.0, 10.0, 0.0), (340.0, 60.0),
                         5.7, TOL)


def test_the_verifier_passes_the_previous_pass_skip_and_fails_a_tampered_one():
    """The skip above (bound 0.3 = 0.5 - 0.2) passes every row; raised to 0.4 with its
    previous-pass bound raised to match (0.6 - 0.2: the arithmetic holds) the verifier's own
    search finds the slow road at 0.3 USD/t below it and the row fails by 0.1."""
    good = _verified(0.3, 0.5, 0.2)
    assert good["ok"].all(), good[~good["ok"]]
    bad = _verified(0.4, 0.6, 0.2)
    failed = bad[~bad["ok"]]
    assert list(failed["entity"]) == ["o/p @0: no column of the run's duals below the bound"]
    assert failed["amount"].iloc[0] == pytest.approx(0.1)


@pytest.fixture(scope="module")
def closure():
    """cg-three-borders over 12 days with Vientiane–Nong Khai closed on days 4-6
    (tests/test_dated_reuse.py): the kept model restarted and re-solved for the closure."""
    from helpers import cg_closure_plan
    from test_dated_reuse import _priced_cache, solved_closure

    plan = cg_closure_plan(days=12, first=4, last=6)
    m, net, structure, kept = solved_closure(plan, _priced_cache(plan), "vientiane-nong-khai")
    return m, net, structure.pricing, kept.priced


def test_a_second_pass_on_the_same_duals_skips_every_search_the_first_ran(closure):
    """The closure priced twice on the same duals, the second time against the first as its
    previous pass (``keep``/``previous``): every search the first ran finds no column, so
    the second skips each one (bound = the first's bound, every fall 0) and runs none; its
    columns and initial-queue bounds are the full pass's bit for bit, every pair row it
    reused is the full pass's, and every skipped row is a lower bound ``>= -tolerance`` on
    the full pass's least reduced cost of that (origin, product, day)."""
    from borderflow.model.column_generation import pricing_inputs
    from borderflow.model.dated_columns import price_dated_model

    m, net, pricing, reference = closure
    inputs = pricing_inputs(net)
    full = price_dated_model(m.session, m.built, net, pricing, inputs)
    first = price_dated_model(m.session, m.built, net, pricing, inputs, reference, keep=True)
    assert first.columns.empty and first.result.stats["searched"] > 0
    ran = first.result.stats["searched"]
    second = price_dated_model(m.session, m.built, net, pricing, inputs, reference,
                               previous=first.reference)
    stats = second.result.stats
    assert stats["searched"] == 0
    assert stats["skipped"] == first.result.stats.get("skipped", 0) + ran
    pd.testing.assert_frame_equal(full.result.columns, second.result.columns, check_exact=True)
    pd.testing.assert_frame_equal(full.initial, second.initial, check_exact=True)
    keys = ["origin", "product_id", "period"]
    both = full.pairs.merge(second.pairs, on=keys, suffixes=("", "_2"))
    assert len(both) == len(full.pairs) == len(second.pairs)
    skipped = second.skipped.set_index(keys).index
    is_skipped = pd.MultiIndex.from_frame(both[keys]).isin(skipped)
    same = both[~is_skipped]
    assert (same["min_reduced_cost_usd_per_t"] == same["min_reduced_cost_usd_per_t_2"]).all()
    low = both[is_skipped]
    tol = pricing.tolerance_usd_per_t
    assert (low["min_reduced_cost_usd_per_t_2"] >= -tol).all()
    assert (low["min_reduced_cost_usd_per_t_2"] <= low["min_reduced_cost_usd_per_t"]).all()
