"""The verifier's oracle: solved tiny runs, correct and tampered, and what the verifier says of
each (shared by ``test_verify_oracle.py`` and ``tools/verify_mutants.py``; no test module
imports another).

A mutant of ``borderflow/verify/`` cannot change a solve, only what the verifier reports on its
tables. So the cases are solved once (:func:`solve_cases`) and each is then a function of no
arguments that re-runs only the verifier: :func:`borderflow.verify.verify_results` on a deep copy
of the solved tables (a result case), or :func:`borderflow.verify.verify_run` on a run folder
(a folder case: the runs of ``tampers.py`` -- two tiny runs and six robust plans --
untouched, with each tamper, and with each re-derivable tamper re-signed). :func:`outcome`
reduces a report to what ``test_verify_oracle.py`` asserts against
``tests/golden/verify_oracle.json``: per check, its rows and failures, a digest of every row's
entity, unit, ok and tolerance (3 significant figures), and each failure's entity and amount
(4 significant figures).

The cases reuse the scenarios of the verifier's own tests: ``test_verify.py`` (the solutions
that must pass, and its corruptions), ``test_tamper.py`` (the tamper catalogue),
``test_realistic.py`` (a realistic dispatch and its summary checks), ``test_origin_stock.py``
(a dispatch hold, one past the shelf life), ``test_licence_lever.py`` (licences, static and
dated), ``test_generalized_cost.py`` (cost terms and destination shares) and
``test_robust_priced.py`` (robust plans: certified with a slot quota, restricted, buying on the
spot market; ``borderflow/verify/robust.py``), ``test_class_fifo.py`` (class-FIFO claims).

(Over 500 lines: one catalogue -- every oracle case, a few lines each, beside the one function
that solves them and the outcome the golden file records.)
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import tiny
from helpers import (congestion_tables, dated, day, keep_rows, only_x1, optimum_of,
                     phantom_write_off, realistic_network, two_goods, two_regions)
from tampers import RE_DERIVABLE, RUNS, TAMPERS, resign, solve_runs

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import (CapacityEvent, CloseEvent, InitialQueue, PriorityEvent,
                                      PriorityRule, RampEvent, RampRule, Scenario, Window,
                                      closing)
from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario

GOLDEN = Path(__file__).parent / "golden" / "verify_oracle.json"


def rice(t, **kw) -> None:
    """A second product, rice (non-perishable, dry trucks), 100 t/day."""
    tiny.add_product(t, "rice", supply_t_per_day=100, perishable=False, reefer=False, **kw)


def spoil(t) -> None:
    """Only X1 (10 trucks/day), durian keeps 3 days, no supply (only initial queues)."""
    only_x1(t, 10)
    t["products"].loc[0, "shelf_life_reefer_days"] = 3
    t["supply"].loc[0, "supply_t_per_year"] = 0


def _empties(t, days: int = 0) -> None:
    """Session 19: half the loaded trucks return empty (``days`` later in a dated run) and X1
    takes 4 trucks/day back: X1 carries 8 loaded trucks a day (160 t) and its 4 empties."""
    rows = [("empty_return_share", 0.5, "-")] + ([("empty_return_days", days, "days")]
                                                 if days else [])
    t["parameters"] = pd.concat([t["parameters"], pd.DataFrame([
        {"parameter": k, "value": v, "unit": u, **tiny.PROV} for k, v, u in rows])],
        ignore_index=True).astype(object)
    t["crossings"].loc[0, "capacity_b_to_a_trucks_per_day"] = 4


#: static tiny solutions every check must pass (test_verify.py)
STATIC = {
    "empties returned": (_empties, None),
    "cheapest": (lambda t: None, None),
    "capacity split": (lambda t: t["crossings"].loc.__setitem__(
        (0, "capacity_a_to_b_trucks_per_day"), 4), None),
    "closed by scenario": (lambda t: None, closing(["x1"])),
    "both closed": (lambda t: None, closing(["x1", "x2"])),
    "licence": (lambda t: (rice(t), t["crossings"].loc.__setitem__(
        (0, "licensed_products"), "rice")), None),
    "finite demand": (lambda t: t["markets"].loc.__setitem__((0, "demand_t_per_year"),
                                                             100 * 365), None),
    "too slow for shelf life": (lambda t: t["products"].loc.__setitem__(
        (0, "shelf_life_reefer_days"), 10 / 24), None),
    "throttle": (lambda t: None, Scenario(name="throttle", events=(
        CapacityEvent(crossing="x1", capacity_trucks_per_day=3),))),
}

#: dated tiny solutions every check must pass (test_verify.py)
DATED = {
    "empties returned a day later": (lambda t: _empties(t, 1), dated("empties", 3)),
    "closure queue": (lambda t: only_x1(t, 20), dated("closure", 5, CloseEvent(
        crossing="x1", close=Window(**{"from": day(1), "to": day(2)})))),
    "initial queue spoils": (spoil, dated("spoil", 6, CloseEvent(
        crossing="x1", close=Window(**{"to": day(5)})), queues=(
        InitialQueue(crossing="x1", product="durian", trucks=10, age_days=1),))),
    "initial queue saved": (spoil, dated("saved", 4, CloseEvent(
        crossing="x1", close=Window(**{"to": day(1)})), queues=(
        InitialQueue(crossing="x1", product="durian", trucks=10, age_days=0),))),
    "priority lane": (lambda t: (only_x1(t, 10), rice(t, shelf_life_days=365),
                                 t["supply"].loc.__setitem__((1, "supply_t_per_year"),
                                                             200 * 31 * 12)),
                      dated("priority", 1, PriorityEvent(
                          crossing="x1", priority=PriorityRule(share=1.0),
                          **{"from": day(0), "to": day(0)}))),
    "finite demand": (lambda t: t["markets"].loc.__setitem__((0, "demand_t_per_year"),
                                                             100 * 365), dated("demand", 5)),
}

REALISTIC = RunOptions(dispatch="realistic")


def _surprise(**kw) -> Scenario:
    return dated("surprise", 6, CloseEvent(crossing="x1", close=Window(
        **{"from": day(2), "to": day(3)}), **kw))


def _hold(first: str, last: str | None, before: str = "") -> str:
    """Dispatch held at both gates from ``first`` to ``last`` (None: to the horizon's end),
    after the events ``before`` (YAML lines)."""
    to = f", to: {last}" if last else ""
    return ("name: hold\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n" + before
            + "".join(f"  - {{crossing: {c}, hold_dispatch: {{}}, from: {first}{to}}}\n"
                      for c in ("x1", "x2")))


def _keep_coming(t) -> None:
    """``test_keep_coming.py``'s drivers who keep coming: half of the pre-news plan for one
    day after the news (a floor of 100 t via X1 on day 2)."""
    realistic_network(t)
    t["behaviour"] = keep_rows(0.5, 1)


def _terms(t, rows) -> None:
    t["cost_terms"] = pd.DataFrame([{"term": term, "applies_to": where, "value": v,
                                     "unit": unit, "low": v, "high": v, **tiny.PROV}
                                    for term, where, v, unit in rows])


def _two_regions_shares(t) -> None:
    """test_generalized_cost.py's second market K in Yunnan behind X2, Yunnan 30-50 %."""
    two_regions(t)
    t["destination_shares"] = pd.DataFrame([
        {"origin": "VN", "product_id": "fruit", "dimension": "china-final-market",
         "destination": region, "share": s, "low": lo, "high": hi, "measure": "volume",
         "period": "2024", **tiny.PROV}
        for region, s, lo, hi in [("yunnan", 0.4, 0.3, 0.5),
                                  ("guangxi-guangdong", 0.6, 0.5, 0.7)]])


def _toll(t) -> None:
    t["links"].loc[2, "travel_h"] = 2.0
    t["parameters"].loc[3, "value"] = 1.5
    _terms(t, [("expressway_toll", "VN test road", 0.1, "USD/truck-km")])


def _road_classes(t) -> None:
    """Every branch of the verifier's road-link pricing (``verify/terms.py``) on a used route:
    X1 at 4 trucks/day, so both routes carry freight. Road 1.2 USD/truck-km; L1 (VN) at exactly
    55 km/h, an expressway with a VN toll; L2 a fixed 250 USD/truck; L3 (VN) at exactly
    37.5 km/h, national; L4 (CN) at exactly 55 km/h, an expressway without a toll term. Terrain
    factors for every class; the keys written with trailing punctuation."""
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 4
    p = t["parameters"]
    p.loc[p["parameter"] == "road_cost_usd_per_truck_km", "value"] = 1.2
    links = t["links"]
    links["cost_usd_per_truck"] = links["cost_usd_per_truck"].astype(object)
    for i, km, h in ((0, 110, 2), (2, 150, 4), (3, 165, 3)):
        links.loc[i, ["length_km", "travel_h"]] = [km, h]
    links.loc[1, "cost_usd_per_truck"] = 250
    _terms(t, [("expressway_toll", "VN, expressways", 0.1, "USD/truck-km"),
               ("road_cost_factor_terrain", "expressway: all", 0.9, "x base road rate"),
               ("road_cost_factor_terrain", "national;", 1.2, "x base road rate"),
               ("road_cost_factor_terrain", "mountain", 1.6, "x base road rate")])


def _shares_and_rice(t) -> None:
    """The destination shares above, and rice (another category, 100 t/day) sold at M: the
    share of fruit must not count it."""
    _two_regions_shares(t)
    rice(t)
    t["products"].loc[t["products"]["product_id"] == "rice", "category"] = "grain"


#: solutions of other families (name -> edit of the tiny tables, scenario text or object,
#: options): every check must pass
OTHER = {
    "realistic/surprise": (realistic_network, _surprise(), REALISTIC),
    "realistic/announced": (realistic_network, _surprise(announced=day(1)), REALISTIC),
    "realistic/reopening unknown": (realistic_network, _surprise(
        reopening_announced=day(4)), REALISTIC),
    "ramp": (realistic_network, dated("ramp", 6, RampEvent(
        crossing="x1", ramp=RampRule(start_trucks_per_day=2, days=4), direction="a_to_b",
        **{"from": day(1)})), None),
    "terms/value of time": (lambda t: _terms(t, [("value_of_time", "durian", 2.0,
                                                  "USD/t-h")]), None, None),
    "terms/factors": (lambda t: _terms(t, [
        ("road_cost_factor_country", "VN (test)", 2.0, "x base road rate"),
        ("road_cost_factor_terrain", "mountain", 1.6, "x base road rate")]), None, None),
    "terms/toll": (_toll, None, None),
    "terms/transit fee": (lambda t: _terms(t, [("transit_fee_entry", "CN (test)", 10.0,
                                                "USD/truck")]), None, None),
    "terms/destination shares": (_two_regions_shares, None, None),
    "terms/road classes": (_road_classes, None, None),
    "terms/destination shares and rice": (_shares_and_rice, None, None),
    "realistic/keep coming": (_keep_coming, _surprise(), REALISTIC),
}

#: dataset-level cases (test_origin_stock.py, test_licence_lever.py): name -> (tables, the
#: scenario solved, the scenario checked (None: the same))
LICENCE_DATED = ("name: t\nhorizon: {start: 2024-03-01, days: 3}\nevents:\n"
                 "  - {crossing: x2, license: {products: [durian]}, from: 2024-03-02}\n")
STATIC_PART = ("name: t\nhorizon: {month: 7}\nevents:\n  - {crossing: x2, license: "
               "{products: [durian]}, from: 2023-07-01, to: 2023-07-%02d}\n")
#: session 19: a licence withdrawn and an origin's slot quota in both directions, each for half
#: of a static month (the limits mixed by share), the quota at a gate with a licence list
BAN_AND_QUOTA = ("name: t\nhorizon: {month: 7}\nevents:\n  - {crossing: x1, license: {products: "
                 "[durian], licensed: false}, from: 2023-07-01, to: 2023-07-15}\n"
                 "  - {crossing: x2, direction: both, slot_quota: {trucks_per_day: 40, origins: "
                 "[vn-o]}, from: 2023-07-01, to: 2023-07-15}\n")
DATASET = {
    "stock/held": ("stock", _hold("2023-01-02", "2023-01-03"), None),
    "stock/checked against a shorter hold": ("stock", _hold("2023-01-02", "2023-01-03"),
                                             _hold("2023-01-03", "2023-01-03")),
    "stock/held past the shelf life": ("stock-2-days", _hold("2023-01-02", "2023-01-04"),
                                       None),
    "licence/static": ("licence", "name: t\nevents:\n  - {crossing: x2, license: {products: "
                       "[durian]}}\n", None),
    "licence/dated": ("licence", LICENCE_DATED, None),
    "licence/dated checked a day later": ("licence", LICENCE_DATED,
                                          LICENCE_DATED.replace("2024-03-02", "2024-03-03")),
    "licence/part of the month": ("licence", STATIC_PART % 15, None),
    "licence/part of the month checked shorter": ("licence", STATIC_PART % 15,
                                                  STATIC_PART % 10),
    "stock/held after a closure": ("stock", _hold("2023-01-02", "2023-01-03", (
        "  - {crossing: x2, close: {from: 2023-01-04, to: 2023-01-04}}\n")), None),
    "stock/held to the horizon's end": ("stock", _hold("2023-01-05", None), None),
    "licence/a ban and a quota for half the month": ("licence", BAN_AND_QUOTA, None),
}


def _fifo_lane_tables():
    """``test_congestion_fifo.py``'s network (session 13: the first oracle case with tiers that
    clear first come, first served within a lane, ``congestion_fifo`` 1): durian (3 USD/t-h,
    220 t) and rice (0.1 USD/t-h, 120 t), tiers waiting 0 / 2 / 6 / 24 h, a lane value of 19
    USD per truck-hour; durian splits 9 trucks at X2 and 2 at X1 beside rice's 6."""
    t = congestion_tables(tiny.base_tables(), hours=(0.0, 2.0, 6.0, 24.0), supply_t=220.0,
                          products={"durian": 3.0, "rice": 0.1}, fifo_lane_usd=19.0)
    tiny.add_product(t, "rice", supply_t_per_day=120.0, perishable=False, reefer=False)
    return t


#: solved after the others (their data folders keep their numbers): name -> tables
LANES = {"congestion/fifo lane": _fifo_lane_tables}

#: solved after the lanes (session 14; the earlier data folders keep their numbers): name ->
#: a function editing the tiny tables and returning the scenario. ``dated/fifo repair`` is
#: ``test_fifo_writeoffs.py``'s phantom write-off: the LP writes the young queue off early, the
#: run repairs it first in, first out and reports the bound (fifo_repair: -99,600 LP bound,
#: 800 USD gap, not exact); the first oracle case with a repaired dated run
REPAIRED = {"dated/fifo repair": phantom_write_off}

#: solved after the repaired run (session 15; the earlier data folders keep their numbers):
#: name -> run options. ``test_class_fifo.py``'s two goods at X1 (1 truck/day): durian queued
#: a day, mango arriving today and allowed no wait. The LP sends mango first (-59,960 USD), 20 t
#: out of arrival order within X1's one lane class; first come, first served writes mango off
#: (+40 USD, a gap of 60,000). ``LP plan``: the tables show the LP's plan; ``replay shown``
#: (``--clearance-order class-fifo``): they show the replay (``tables_show``), not exact
CLASS_FIFO = {"dated/class fifo LP plan": None,
              "dated/class fifo replay shown": RunOptions(clearance_order="class-fifo")}

#: solved after the class-FIFO runs (session 19, second round; the earlier data folders keep
#: their numbers): name -> (edit of the tiny tables, run options). ``restricted/gap bound``:
#: X1 at 4 trucks/day, one route per product (X1's, the best margin) and no column
#: generation: 80 t via X1, 120 t unserved; the one pricing pass finds X2's route and the run is
#: ``restricted`` with its gap bound -- the first oracle case whose certificate builds the
#: ``gap_bound`` row (every dated queue case is certified since session 17)
RESTRICTED = {"restricted/gap bound": (
    lambda t: t["crossings"].loc.__setitem__((0, "capacity_a_to_b_trucks_per_day"), 4),
    RunOptions(routes=RouteOptions(max_routes_per_product=1, max_routes_per_gate=1),
               pricing=Pricing(enabled=False, max_rounds=0)))}



def _jump_the_queue(res):
    """X1's durian all in tier 1 and rice in tiers 1-3 (the tier sums as solved): a queue jump
    the lane forbids."""
    c = res.congestion.copy()
    at = c["crossing_id"].eq("x1")
    for (p, k), v in {("durian", 1): 2.0, ("durian", 2): 0.0, ("durian", 3): 0.0,
                      ("rice", 1): 3.0, ("rice", 2): 2.5, ("rice", 3): 0.5}.items():
        c.loc[at & c["product_id"].eq(p) & c["tier"].eq(k), "trucks"] = v
    c["cost_usd"] = c["trucks"] * c["cost_usd_per_truck"]
    return type(res)(**{**res.tables(), "summary": res.summary, "congestion": c})


def _lane_cost(factor: float):
    def edit(res):
        c = res.congestion.assign(cost_usd=res.congestion["cost_usd"] * factor)
        return type(res)(**{**res.tables(), "summary": res.summary, "congestion": c})
    return edit

def _stock_tables(shelf_days: float = 3):
    """test_origin_stock.py's dataset: 200 t of durian a day in January."""
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372
    t["products"].loc[0, "shelf_life_reefer_days"] = shelf_days
    return t


def _summary_edit(**change) -> Callable:
    return lambda res: type(res)(**{**res.tables(), "summary": {**res.summary, **change}})


def _class_fifo_edit(**change) -> Callable:
    return lambda res: _summary_edit(class_fifo={**res.summary["class_fifo"], **change})(res)


def _flow_after_the_last_day(res):
    """A route flow of the last day dispatched after the last modelled day (the horizon and
    its look-ahead): it reaches its gate after the last day (a row the queue check must
    report)."""
    rf = res.route_flows.copy()
    last = rf.loc[rf["flow_t"] > 0, "period"].idxmax()
    rf.loc[last, "period"] = 99  # the horizon of 5 days and its look-ahead end before
    return type(res)(**{**res.tables(), "summary": res.summary, "route_flows": rf})


def _late_departure(res):
    sq = res.stream_queues.copy()
    sq.loc[sq["period"] == 3, "departures_t"] = 200.0
    return type(res)(**{**res.tables(), "summary": res.summary, "stream_queues": sq})


def _stock_released_less(res):
    st = res.origin_stock.copy()
    st.loc[st.index[st["released_t"] > 1e-3][0], "released_t"] -= 50
    return type(res)(**{**res.tables(), "summary": res.summary, "origin_stock": st})


def _edit_table(table: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable:
    """A result case with ``edit`` applied to a copy of one of its tables (session 19)."""
    def apply(res):
        return type(res)(**{**res.tables(), "summary": res.summary,
                            table: edit(getattr(res, table).copy())})
    return apply


def _negative_stock(st: pd.DataFrame) -> pd.DataFrame:
    st.loc[st.index[st["stock_t"] > 1e-3][0], "stock_t"] *= -1
    return st


def _china_flows(scale: float | None = None, text: bool = False) -> Callable:
    """Route flows of the destination-share case edited: scaled so ``scale`` t reach China in
    all, or one flow written as text (``n/a``)."""
    def edit(res):
        rf = res.route_flows.copy()
        if scale is not None:
            rf["flow_t"] = rf["flow_t"] * (scale / rf["flow_t"].sum())
        if text:
            rf["flow_t"] = rf["flow_t"].astype(object)
            rf.loc[rf.index[0], "flow_t"] = "n/a"
        return type(res)(**{**res.tables(), "summary": res.summary, "route_flows": rf})
    return edit


def _kept(edit: Callable[[pd.DataFrame], pd.DataFrame], table: str = "keep_coming"
          ) -> Callable:
    """The keep-coming case's ``table`` edited (``test_keep_coming.py``'s tampered floors)."""
    return lambda res: type(res)(**{**res.tables(), "summary": res.summary,
                                    table: edit(getattr(res, table).copy())})


def _no_yunnan(res):
    rf = res.route_flows.copy()
    rf.loc[rf["market"] == "cn-k", "flow_t"] = 0.0
    return type(res)(**{**res.tables(), "summary": res.summary, "route_flows": rf})


#: corrupted solutions (name -> (the solved case, the edit of its result tables))
EDITED = {
    "edited/no flow_t": ("static/cheapest", lambda res: type(res)(**{
        **res.tables(), "summary": res.summary,
        "route_flows": res.route_flows.drop(columns="flow_t")})),
    "edited/departure after the allowed wait": ("dated/late", _late_departure),
    "edited/realistic decision date moved": ("realistic/surprise", _summary_edit(
        decision_dates=["2024-01-01", "2024-01-02"])),
    "edited/realistic decision days 3": ("realistic/surprise", _summary_edit(
        decision_days=3)),
    "edited/realistic value of foresight 0": ("realistic/surprise", _summary_edit(
        value_of_foresight_usd=0.0)),
    "edited/realistic foresight bound above": ("realistic/surprise", _summary_edit(
        foresight_objective_usd=-5.0, value_of_foresight_usd=-5.0)),
    "edited/realistic reaction lag 1.5": ("realistic/surprise", _summary_edit(
        reaction_lag_days=1.5)),
    "edited/realistic said asked for foresight": ("realistic/surprise", _summary_edit(
        dispatch_reason="asked for (foresight)")),
    "edited/realistic said a sweep's auto": ("realistic/surprise", _summary_edit(
        dispatch_reason="auto: a sweep needs the optimum of each scenario it solves "
                        "(perfect foresight)")),
    "edited/realistic without its foresight bound": ("realistic/surprise", lambda res: type(
        res)(**{**res.tables(), "summary": {k: v for k, v in res.summary.items()
                                            if k != "foresight_objective_usd"}})),
    "edited/stock released 50 t less": ("stock/held", _stock_released_less),
    "edited/a stock row negative": ("stock/held", _edit_table("origin_stock", _negative_stock)),
    "edited/a flow's cost doubled": ("static/cheapest", _edit_table("flows", lambda f: f.assign(
        cost_usd=f["cost_usd"] * 2))),
    "edited/an initial queue's trucks and initial trucks one more": ("dated/late", _edit_table(
        "initial_queues", lambda q: q.assign(trucks=q["trucks"] + 1,
                                             initial_trucks=q["initial_trucks"] + 1))),
    "edited/keep-coming floor halved": ("realistic/keep coming", _kept(
        lambda k: k.assign(floor_t=k["floor_t"] / 2))),
    "edited/keep-coming floor a day late": ("realistic/keep coming", _kept(
        lambda k: k.assign(period=k["period"] + 1))),
    "edited/keep-coming reaction lag 1": ("realistic/keep coming", _summary_edit(
        reaction_lag_days=1)),
    "edited/keep-coming day 2's flows dropped": ("realistic/keep coming", _kept(
        lambda f: f[f["period"] != 2], "route_flows")),
    "edited/keep-coming table emptied": ("realistic/keep coming", lambda res: _summary_edit(
        keep_coming_floor_t=0.0)(_kept(lambda k: k.iloc[:0])(res))),
    "edited/nothing to Yunnan": ("terms/destination shares", _no_yunnan),
    "edited/nothing to China": ("terms/destination shares", _china_flows(0.0)),
    "edited/half a tonne to China": ("terms/destination shares", _china_flows(0.5)),
    "edited/a flow written as text": ("terms/destination shares", _china_flows(text=True)),
    "edited/fifo lane queue jump": ("congestion/fifo lane", _jump_the_queue),
    "edited/fifo lane cost at each product's value": ("congestion/fifo lane", _lane_cost(3.05)),
    "edited/fifo repair called exact": ("dated/fifo repair", _summary_edit(exact=True)),
    "edited/fifo repair with a zero gap": ("dated/fifo repair", lambda res: _summary_edit(
        fifo_repair={**res.summary["fifo_repair"], "gap_usd": 0.0})(res)),
    "edited/a route flow after the last day": ("dated/closure queue", _flow_after_the_last_day),
    "edited/class fifo claim deleted": ("dated/class fifo LP plan", lambda res: type(res)(**{
        **res.tables(), "summary": {k: v for k, v in res.summary.items()
                                    if k != "class_fifo"}})),
    "edited/class fifo LP plan said to be the replay": ("dated/class fifo LP plan",
                                                        _class_fifo_edit(
                                                            tables_show="class_fifo replay")),
    "edited/class fifo replay's LP bound raised": ("dated/class fifo replay shown",
                                                   _class_fifo_edit(lp_lower_bound_usd=-59_000.0)),
    "edited/class fifo replay's gap zero": ("dated/class fifo replay shown", _class_fifo_edit(
        gap_usd=0.0, gap_pct=0.0)),
}

FOLDERS = ([f"folder/{n}" for n in RUNS] + [f"tamper/{n}" for n in TAMPERS]
           + [f"resigned/{n}" for n in RE_DERIVABLE])
#: every case, in the order the oracle runs them
NAMES = ([f"static/{n}" for n in STATIC] + [f"dated/{n}" for n in DATED] + ["dated/late"]
         + list(OTHER) + list(DATASET) + list(LANES) + list(REPAIRED) + list(CLASS_FIFO)
         + list(RESTRICTED) + list(EDITED)
         + FOLDERS)
#: cases where every check must pass
CLEAN = (set(NAMES) - set(EDITED) - {n for n in FOLDERS if not n.startswith("folder/")}
         - {"stock/checked against a shorter hold", "licence/dated checked a day later",
            "licence/part of the month checked shorter"})


def solve_cases(root: Path) -> dict[str, Callable[[], pd.DataFrame]]:
    """Solve every case once (tiny runs under ``root``) and return name -> a function that
    re-runs the verifier alone on it and returns its report."""
    from borderflow.verify import verify_results, verify_run

    root.mkdir(parents=True, exist_ok=True)
    n = {"data": 0}

    def solve(tables, scenario, options=None):
        n["data"] += 1
        folder = tiny.write(root / f"data{n['data']}", tables)
        ds = load_dataset(folder, check_borders=False)
        if isinstance(scenario, str):
            scenario = Scenario.from_yaml_text(scenario, ds)
        # the cases mean the optimum (auto pinned to foresight); REALISTIC the policy
        return run_scenario(ds, scenario, optimum_of(options)), ds

    solved = {}  # name -> (results, tables, scenario checked, net)
    for group, cases in (("static", STATIC), ("dated", DATED)):
        for name, (edit, scenario) in cases.items():
            t = tiny.base_tables()
            edit(t)
            run, _ = solve(t, scenario)
            solved[f"{group}/{name}"] = (run.results, run.tables, run.net.scenario, run.net)
    t = tiny.base_tables()
    spoil(t)
    run, _ = solve(t, dated("late", 6, CloseEvent(crossing="x1", close=Window(
        **{"to": day(2)})), queues=(InitialQueue(crossing="x1", product="durian", trucks=10,
                                                 age_days=0),)))
    solved["dated/late"] = (run.results, run.tables, run.net.scenario, run.net)
    for name, (edit, scenario, options) in OTHER.items():
        t = tiny.base_tables()
        edit(t)
        run, _ = solve(t, scenario, options)
        solved[name] = (run.results, run.tables, run.net.scenario, run.net)
    datasets = {"stock": _stock_tables(), "stock-2-days": _stock_tables(2),
                "licence": tiny.licence_tables()}
    runs_of = {}  # (dataset, scenario) -> its solve: a case that checks the run against
    # another scenario ("checked against a shorter hold", "checked a day later") reads the
    # solve of the case it edits, not a second solve of the same tables and scenario
    for name, (which, text, checked) in DATASET.items():
        if (which, text) not in runs_of:
            runs_of[which, text] = solve(datasets[which], text)
        else:
            n["data"] += 1  # the later data folders keep their numbers
        run, ds = runs_of[which, text]
        scenario = Scenario.from_yaml_text(checked, ds) if checked else run.net.scenario
        solved[name] = (run.results, ds, scenario, run.net)
    for name, make in LANES.items():
        run, _ = solve(make(), None)
        solved[name] = (run.results, run.tables, run.net.scenario, run.net)
    for name, make in REPAIRED.items():
        t = tiny.base_tables()
        run, _ = solve(t, make(t))
        solved[name] = (run.results, run.tables, run.net.scenario, run.net)
    for name, options in CLASS_FIFO.items():
        t = tiny.base_tables()
        run, _ = solve(t, two_goods(t, mango_shelf_days=1, mango_age=0, durian_age=1),
                       options)
        solved[name] = (run.results, run.tables, run.net.scenario, run.net)
    for name, (edit, options) in RESTRICTED.items():
        t = tiny.base_tables()
        edit(t)
        run, _ = solve(t, None, options)
        solved[name] = (run.results, run.tables, run.net.scenario, run.net)
    for name, (base, edit) in EDITED.items():
        res, tables, scenario, net = solved[base]
        solved[name] = (edit(copy.deepcopy(res)), tables, scenario, net)

    def in_memory(case):
        def check() -> pd.DataFrame:
            res, tables, scenario, net = copy.deepcopy(case)
            return verify_results(res, tables, scenario, net=net)
        return check

    def in_folder(path: Path):
        def check() -> pd.DataFrame:
            # entities naming the inputs hold ``root``, and an unreadable file's the reader's
            # message (cut to a length): neither is compared
            report = verify_run(path)
            report["entity"] = report["entity"].astype(str).str.replace(
                str(root), "<root>", regex=False).str.replace(
                r"unreadable \((\w+): .*", r"unreadable (\1: ...)", regex=True)
            return report
        return check

    cases = {name: in_memory(case) for name, case in solved.items()}
    (root / "runs").mkdir()
    runs = solve_runs(root / "runs")
    for which, path in runs.items():
        cases[f"folder/{which}"] = in_folder(path)
    for prefix, names in (("tamper", list(TAMPERS)), ("resigned", RE_DERIVABLE)):
        for name in names:
            which, edit = TAMPERS[name]
            run = root / prefix / name.replace("/", "_")
            shutil.copytree(runs[which], run, symlinks=True)
            edit(run)
            if prefix == "resigned":
                resign(run)
            cases[f"{prefix}/{name}"] = in_folder(run)
    assert list(cases) == NAMES, set(cases) ^ set(NAMES)
    return cases


def _sig(x, digits: int) -> str:
    """``x`` to ``digits`` significant figures (text; inf and nan as such)."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


def outcome(report: pd.DataFrame) -> dict:
    """What the oracle compares: check -> rows, failures, a digest of every row (entity, unit,
    ok, tolerance to 3 significant figures) and the failures (entity, amount to 4 figures)."""
    out = {}
    for check, g in report.groupby("check", sort=True):
        lines = sorted(f"{e}\t{u}\t{bool(ok)}\t{_sig(t, 3)}" for e, u, ok, t in zip(
            g["entity"], g["unit"], g["ok"], g["tolerance"]))
        bad = g[~g["ok"].astype(bool)]
        out[str(check)] = {
            "rows": len(g), "failing": len(bad),
            "digest": hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16],
            "failures": sorted([str(e), _sig(a, 4)] for e, a in zip(bad["entity"],
                                                                    bad["amount"]))}
    return out


def read_golden() -> dict:
    """The committed outcomes (``tests/golden/verify_oracle.json``)."""
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def write_golden(outcomes: dict) -> None:
    """Write the outcomes as the golden file (after a deliberate change of the verifier)."""
    GOLDEN.write_text(json.dumps(outcomes, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":  # python tests/verify_cases.py: rewrite the golden file
    import tempfile

    found = solve_cases(Path(tempfile.mkdtemp(prefix="verify-oracle-")))
    write_golden({name: outcome(check()) for name, check in found.items()})
    print(f"wrote {GOLDEN} ({len(found)} cases)")
