"""The generalized cost and the destination shares on the tiny network, against hand-computed
optima (issue 18 item 3); every solution also passes the independent verifier.

Tiny network (tests/tiny.py): via X1 100 + 100 km, 5 + 2 + 5 = 12 h, fee 20 USD; via X2
150 + 150 km, 3 + 2 + 3 = 8 h, fee 20 USD; 1 USD/truck-km, 20 t/truck, 200 t/day, price 1,000.
Flat cost per tonne: X1 (200 + 20) / 20 = 11, X2 (300 + 20) / 20 = 16. Road classes from
speed: L1, L2 at 20 km/h are mountain roads, L3, L4 at 50 km/h national.
"""

from __future__ import annotations

import pandas as pd
import pytest
import tiny
from helpers import assert_warm_equals_rebuilt
from helpers import two_regions as _two_regions
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError

from borderflow import verify

TOL = 1e-6


def _terms(t, rows) -> None:
    t["cost_terms"] = pd.DataFrame([{"term": term, "applies_to": where, "value": v,
                                     "unit": unit, "low": v, "high": v, **tiny.PROV}
                                    for term, where, v, unit in rows])


def _cost_per_t(run) -> dict[str, float]:
    rf = run.routes.eligible
    first = {r: c.split(":")[0] for r, c in zip(run.routes.routes["route_id"],
                                                run.routes.routes["crossings"])}
    return {first[r]: c for r, c in zip(rf["route_id"], rf["cost_usd_per_t"])}


def _through(run, crossing: str) -> float:
    c = run.results.crossings
    return float(c.loc[(c["crossing_id"] == crossing) & (c["direction"] == "a_to_b"),
                       "flow_t"].sum())


def _verified(run) -> None:
    report = verify.verify_results(run.results, run.tables, run.net.scenario, net=run.net)
    assert report["ok"].all(), verify.violations(report).head().to_string()


def test_value_of_time_makes_the_faster_route_win(solve_tiny, tiny_tables):
    """VoT 2 USD/t-h: X1 11 + 12 x 2 = 35, X2 16 + 8 x 2 = 32 USD/t (equal at 1.25)."""
    _terms(tiny_tables, [("value_of_time", "durian", 2.0, "USD/t-h")])
    run = solve_tiny(tiny_tables)
    assert _cost_per_t(run) == pytest.approx({"x1": 35.0, "x2": 32.0}, abs=TOL)
    assert _through(run, "x2") == pytest.approx(200, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(200 * (32 - 1000), abs=TOL)
    _verified(run)


def test_value_of_time_below_break_even_keeps_the_cheap_route(solve_tiny, tiny_tables):
    _terms(tiny_tables, [("value_of_time", "durian", 1.0, "USD/t-h")])
    run = solve_tiny(tiny_tables)
    assert _cost_per_t(run) == pytest.approx({"x1": 23.0, "x2": 24.0}, abs=TOL)
    assert _through(run, "x1") == pytest.approx(200, abs=TOL)


def test_country_and_terrain_factors(solve_tiny, tiny_tables):
    """VN roads x 2 (L1, L3); mountain roads x 1.6 (L1, L2): X1 (100 x 2 x 1.6 + 100 x 1.6 +
    20) / 20 = 25, X2 (150 x 2 + 150 + 20) / 20 = 23.5."""
    _terms(tiny_tables, [("road_cost_factor_country", "VN (test)", 2.0, "x base road rate"),
                         ("road_cost_factor_terrain", "mountain", 1.6, "x base road rate")])
    run = solve_tiny(tiny_tables)
    assert _cost_per_t(run) == pytest.approx({"x1": 25.0, "x2": 23.5}, abs=TOL)
    assert _through(run, "x2") == pytest.approx(200, abs=TOL)
    _verified(run)


def test_toll_is_not_scaled_by_the_reefer_factor(solve_tiny, tiny_tables):
    """L3 at 75 km/h is an expressway: toll 0.1 USD/km x 150 = 15 USD; reefer x 1.5 on running
    costs only: X2 ((150 + 150) x 1.5 + 15 + 20) / 20 = 24.25, X1 (200 x 1.5 + 20) / 20 = 16."""
    tiny_tables["links"].loc[2, "travel_h"] = 2.0
    tiny_tables["parameters"].loc[3, "value"] = 1.5
    _terms(tiny_tables, [("expressway_toll", "VN test road", 0.1, "USD/truck-km")])
    run = solve_tiny(tiny_tables)
    assert _cost_per_t(run) == pytest.approx({"x1": 16.0, "x2": 24.25}, abs=TOL)
    _verified(run)


def test_transit_fee_of_the_country_entered(solve_tiny, tiny_tables):
    _terms(tiny_tables, [("transit_fee_entry", "CN (test)", 10.0, "USD/truck")])
    run = solve_tiny(tiny_tables)
    assert _cost_per_t(run) == pytest.approx({"x1": 11.5, "x2": 16.5}, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(200 * (11.5 - 1000), abs=TOL)
    _verified(run)


def _shares(t, rows) -> None:
    t["destination_shares"] = pd.DataFrame([
        {"origin": "VN", "product_id": "fruit", "dimension": "china-final-market",
         "destination": region, "share": s, "low": lo, "high": hi, "measure": "volume",
         "period": "2024", **tiny.PROV} for region, s, lo, hi in rows])


def test_destination_share_sends_the_least_it_must_to_the_dearer_region(solve_tiny,
                                                                        tiny_tables):
    """Without shares all 200 t go to M by X1 (11 USD/t). Yunnan 30-50 %: 60 t to K by X2
    ((150 + 100 + 20) / 20 = 13.5 USD/t), 140 t to M by X1: 140 x -989 + 60 x -986.5."""
    _two_regions(tiny_tables)
    free = solve_tiny(tiny_tables)
    assert _through(free, "x1") == pytest.approx(200, abs=TOL)
    _shares(tiny_tables, [("yunnan", 0.4, 0.3, 0.5), ("guangxi-guangdong", 0.6, 0.5, 0.7)])
    run = solve_tiny(tiny_tables)
    rf = run.results.route_flows.groupby("market")["flow_t"].sum()
    assert rf.to_dict() == pytest.approx({"cn-k": 60.0, "cn-m": 140.0}, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(
        140 * (11 - 1000) + 60 * (13.5 - 1000), abs=TOL)
    _verified(run)


@pytest.mark.parametrize("bands", [((0.3, 0.5), (0.0, 1.0)), ((0.0, 1.0), (0.5, 0.7))],
                         ids=["lower-bound-alone", "upper-bound-alone"])
def test_one_share_bound_alone_sends_the_same_60_t(solve_tiny, tiny_tables, bands):
    """The same optimum when only Yunnan's lower bound (>= 30 %) or only Guangxi's upper bound
    (<= 70 %) can bind: with two regions each implies the other, so the test above holds even
    if the model dropped every lower or every upper bound (mutmut survivors ``low = None``,
    ``high = None``, docs/testing.md)."""
    (ylo, yhi), (glo, ghi) = bands
    _two_regions(tiny_tables)
    _shares(tiny_tables, [("yunnan", 0.4, ylo, yhi), ("guangxi-guangdong", 0.6, glo, ghi)])
    run = solve_tiny(tiny_tables)
    rf = run.results.route_flows.groupby("market")["flow_t"].sum()
    assert rf.to_dict() == pytest.approx({"cn-k": 60.0, "cn-m": 140.0}, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(
        140 * (11 - 1000) + 60 * (13.5 - 1000), abs=TOL)


def test_verifier_catches_a_broken_share(solve_tiny, tiny_tables):
    _two_regions(tiny_tables)
    _shares(tiny_tables, [("yunnan", 0.4, 0.3, 0.5), ("guangxi-guangdong", 0.6, 0.5, 0.7)])
    run = solve_tiny(tiny_tables)
    rf = run.results.route_flows
    rf.loc[rf["market"] == "cn-k", "flow_t"] = 0.0  # as if nothing went to Yunnan
    bad = verify.violations(verify.verify_results(run.results, run.tables, run.net.scenario))
    shares = bad[bad["check"] == "destination_share"]
    assert len(shares) == 2  # Yunnan below 30 %, Guangxi above 70 %
    assert shares["entity"].str.contains("yunnan").any()


def test_the_verifier_keys_a_cost_term_by_the_first_word_of_applies_to():
    """As data/README.md states it: the key is the first word of ``applies_to`` with a trailing
    ``,``, ``;`` or ``:`` dropped, and nothing else (session 9: mutants of ``verify/terms.py``
    that strip whitespace, the left end, or more characters survived the oracle)."""
    from types import SimpleNamespace

    from borderflow.verify.terms import _terms as read_terms
    from borderflow.verify.terms import entry_fee

    t = {}
    _terms(t, [("transit_fee_entry", "CN, (China)", 10.0, "USD/truck"),
               ("road_cost_factor_terrain", "expressway: all", 0.9, "x base road rate"),
               ("road_cost_factor_terrain", "national;", 1.2, "x base road rate"),
               ("value_of_time", "MAX", 2.0, "USD/t-h")])
    tables = SimpleNamespace(cost_terms=t["cost_terms"])
    assert read_terms(tables) == {("transit_fee_entry", "CN"): 10.0,
                              ("road_cost_factor_terrain", "expressway"): 0.9,
                              ("road_cost_factor_terrain", "national"): 1.2,
                              ("value_of_time", "MAX"): 2.0}
    # a transit fee is paid at road crossings only
    assert entry_fee(tables, "road", "CN") == 10.0
    assert entry_fee(tables, "rail", "CN") == 0.0 and entry_fee(tables, "rail", "VN") == 0.0


@pytest.mark.parametrize("table,edit,field,words", [
    ("cost_terms", {"term": "value_of_tme"}, "term", "unknown cost term"),
    ("cost_terms", {"unit": "USD/t-day"}, "unit", "USD/t-h"),
    ("cost_terms", {"applies_to": "durain"}, "applies_to", "applies to a product"),
    ("destination_shares", {"destination": "tibet"}, "destination", "unknown region"),
    ("destination_shares", {"origin": "KH"}, "origin", "no origin node"),
])
def test_bad_terms_and_shares_name_file_row_and_field(tmp_path, tiny_tables, table, edit, field,
                                                      words):
    _two_regions(tiny_tables)
    _terms(tiny_tables, [("value_of_time", "durian", 1.0, "USD/t-h")])
    _shares(tiny_tables, [("yunnan", 0.4, 0.3, 0.5), ("guangxi-guangdong", 0.6, 0.5, 0.7)])
    for col, value in edit.items():
        tiny_tables[table].loc[0, col] = value
    folder = tiny.write(tmp_path / "ds", tiny_tables)
    with pytest.raises(InputError) as err:
        load_dataset(folder, check_borders=False)
    p = err.value.first
    assert (p.file.endswith(f"{table}.csv"), p.row, p.field) == (True, 1, field)
    assert words in p.message


def test_cost_terms_sampled_warm_equal_rebuilt(tmp_path, tiny_tables):
    """The uncertainty engine mirrors the generalized cost: value of time, a country factor and
    a transit fee sampled on a kept model give the objective of the model rebuilt from the
    sampled tables (detour filter off, as in tests/test_uncertainty_warm.py)."""
    _terms(tiny_tables, [("value_of_time", "durian", 1.0, "USD/t-h"),
                         ("road_cost_factor_country", "VN", 1.5, "x base road rate"),
                         ("transit_fee_entry", "CN", 10.0, "USD/truck")])
    assert_warm_equals_rebuilt(tiny.write(tmp_path / "ds", tiny_tables),
                               "table,key,field,low,high\n"
                               "cost_terms,value_of_time|durian,value,0.2,3\n"
                               "cost_terms,road_cost_factor_country|VN,value,1,2.5\n"
                               "cost_terms,transit_fee_entry|CN,value,0,60\n", n=6, seed=1)


def test_a_dataset_edited_in_place_between_solves_is_solved_as_edited(tiny_tables, tmp_path):
    """An analyst loads a dataset, solves, edits a table in place (Yunnan's share from 30-50 %
    to 45-50 %) and solves again: the second solve uses the edit, as a fresh load would (90 t to
    Yunnan, not the first solve's 60 t). The share rules are kept per table set in memory; each
    public entry point works on a snapshot of the tables it is given, so a kept rule never
    outlives an edit."""
    import copy

    import borderflow as bf

    _two_regions(tiny_tables)
    _shares(tiny_tables, [("yunnan", 0.4, 0.3, 0.5), ("guangxi-guangdong", 0.6, 0.5, 0.7)])
    ds = load_dataset(tiny.write(tmp_path / "data", tiny_tables), check_borders=False)

    def to_yunnan(result) -> float:
        rf = result.tables["route_flows"]
        return float(rf.loc[rf["market"] == "cn-k", "flow_t"].sum())

    assert to_yunnan(bf.solve(ds, compare=False)) == pytest.approx(60.0, abs=TOL)
    shares = ds.destination_shares
    shares.loc[shares["destination"] == "yunnan", "low"] = 0.45
    shares.loc[shares["destination"] == "guangxi-guangdong", "high"] = 0.55
    edited = bf.solve(ds, compare=False)
    assert to_yunnan(edited) == pytest.approx(90.0, abs=TOL)
    assert edited.summary["objective_usd"] == pytest.approx(
        bf.solve(copy.deepcopy(ds), compare=False).summary["objective_usd"], abs=TOL)
    assert edited.verify()["ok"].all()
