"""The tamper catalogue shared by ``test_tamper.py`` and the verifier's oracle
(``verify_cases.py``, ``test_verify_oracle.py``): two runs of the tiny network, six robust
plan folders, a static run with congestion tiers and a reopening tree, and the edits a
spreadsheet or a script would make to a copy of one of them (no test module imports another).

* :data:`TAMPERS`: name -> (run, edit): the edit alone (what a user's tool does). The verifier
  re-derives the fact, or the checksum manifest written with the run tells the file changed.
* :data:`RE_DERIVABLE`: the names whose edits must fail even after :func:`resign` (a fresh
  manifest and marker, as someone covering their tracks would write): only re-deriving the
  fact from the inputs catches these.
* :data:`ROBUST_CHECKS`: per robust tamper, the check it must fail; :data:`NAMED_CHECKS`: the
  same for the congestion and reopening-tree tampers.

(Over 500 lines: one catalogue -- the solved runs and the edits of them, a few lines each,
named together with the run each edits and the check it must fail.)
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import tiny
from helpers import (CLOSURE_YAML, REOPENING_YAML, border_data, congestion_tables, only_x1,
                     reopening_network, robust_priced_data, two_regions, with_events)
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.manifest import MANIFEST, write_manifest
from borderflow.runfolder import MARKER, read_marker, write_marker

#: the closure scenario of helpers.CLOSURE_YAML, with 30 more trucks already 13 days in the
#: queue at X1: only 20 cross before the closure, the rest expire (spoilage to hide)
DATED = CLOSURE_YAML + "      - {crossing: x1, product: durian, trucks: 30, age_days: 13}\n"


#: the solved folders :func:`solve_runs` returns, in order
RUNS = ("static", "dated", "robust", "robust-restricted", "robust-spot", "robust-terms",
        "robust-toll", "robust-priority", "congestion", "reopening")


def solve_runs(root: Path) -> dict[str, Path]:
    """The runs of :data:`RUNS` under ``root``: ``static`` (X1 full, so its dual is positive and
    X2's zero) and ``dated`` (a closure, a throttle and trucks already queued, some too long:
    the queue and spoilage tables are not empty; with ``--dispatch foresight``: its cases mean
    the optimum and its certificate), solved through ``borderflow solve``, and the
    robust plans of :func:`solve_robust_runs`."""
    static = tiny.base_tables()
    static["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 4  # X1 full at 80 t
    dated = tiny.base_tables()
    only_x1(dated, 20)
    scenario = root / "closure.yaml"
    scenario.write_text(textwrap.dedent(DATED), encoding="utf-8")
    out = {}
    for name, tables, extra in (("static", static, []),
                                ("dated", dated, ["--scenario", str(scenario),
                                                  "--dispatch", "foresight"])):
        data = border_data(root, f"data-{name}", tables)
        result = CliRunner().invoke(app, ["solve", "--data", str(data), "--out",
                                          str(root / name), *extra])
        assert result.exit_code == 0, result.output
        out[name] = root / name
    out.update(solve_robust_runs(root))
    out.update(solve_plan_runs(root))
    assert tuple(out) == RUNS, out
    return out


def solve_plan_runs(root: Path) -> dict[str, Path]:
    """Two folders of session 12 (the mutants of ``verify/congestion.py`` and
    ``verify/reopening.py`` no earlier run reached): ``congestion``, ``test_congestion.py``'s
    hand-computed static run with congestion tiers (150 t via X1 in tiers 1-2, 130 t via X2,
    delay cost 40 USD, link duals 34 and 10 USD/truck), through ``borderflow solve``; and
    ``reopening``, ``test_reopening_tree.py``'s reopening tree (X1 closed on day 2, reopening on
    day 3 with p = 0.8 or day 5; EVPI 800 USD, a gap bound of 800 USD), through ``borderflow
    reopening --no-compare``."""
    data = border_data(root, "data-congestion", congestion_tables(tiny.base_tables()))
    result = CliRunner().invoke(app, ["solve", "--data", str(data), "--out",
                                      str(root / "congestion")])
    assert result.exit_code == 0, result.output
    data = border_data(root, "data-reopening", reopening_network(tiny.base_tables()))
    scenario = root / "odds.yaml"
    scenario.write_text(REOPENING_YAML, encoding="utf-8")
    result = CliRunner().invoke(app, ["reopening", "--scenario", str(scenario), "--data",
                                      str(data), "--out", str(root / "reopening"),
                                      "--no-compare"])
    assert result.exit_code == 0, result.output
    return {"congestion": root / "congestion", "reopening": root / "reopening"}


def robust_terms_tables() -> dict[str, pd.DataFrame]:
    """The tiny network with what no other robust plan has (session 10, the gaps of
    ``verify/robust.py``): a second market K in Yunnan behind X2 (``two_regions``), finite
    demand at both (M 150 t/day, K 100 t/day: M's bound binds), rice sold at M (10 t/day of
    demand) with no supply, so a market of finite demand receives nothing; a VN toll
    (0.1 USD/truck-km) and a value of time (2 USD/t-h); a destination-share rule (Yunnan at
    most 40 %); X2 at 10 trucks/day, which the normal year's two routes through it fill."""
    t = tiny.base_tables()
    two_regions(t)
    t["markets"].loc[0, "demand_t_per_year"] = 150 * 365
    t["markets"].loc[1, "demand_t_per_year"] = 100 * 365
    rice = t["products"].iloc[0].to_dict() | {"product_id": "rice", "name": "Rice",
                                              "category": "grain", "perishable": "false",
                                              "reefer": "false"}
    t["products"] = pd.concat([t["products"], pd.DataFrame([rice])], ignore_index=True)
    t["seasonality"] = pd.concat([t["seasonality"], t["seasonality"].assign(
        product_id="rice")], ignore_index=True)
    t["markets"] = pd.concat([t["markets"], pd.DataFrame([t["markets"].iloc[0].to_dict() | {
        "product_id": "rice", "price_usd_per_t": 300, "demand_t_per_year": 10 * 365}])],
        ignore_index=True)
    t["crossings"].loc[1, "capacity_a_to_b_trucks_per_day"] = 10
    t["cost_terms"] = pd.DataFrame([
        {"term": term, "applies_to": where, "value": v, "unit": unit, "low": v, "high": v,
         **tiny.PROV} for term, where, v, unit in (
            ("expressway_toll", "VN test road", 0.1, "USD/truck-km"),
            ("value_of_time", "durian", 2.0, "USD/t-h"))])
    t["destination_shares"] = pd.DataFrame([
        {"origin": "VN", "product_id": "durian", "dimension": "china-final-market",
         "destination": region, "share": s, "low": lo, "high": hi, "measure": "volume",
         "period": "2024", **tiny.PROV}
        for region, s, lo, hi in (("yunnan", 0.2, 0.0, 0.4),
                                  ("guangxi-guangdong", 0.8, 0.0, 1.0))])
    return t


def _expressway(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """L3 (VN, 150 km) driven in 2 h: 75 km/h, an expressway the VN toll applies to."""
    t["links"].loc[2, "travel_h"] = 2.0
    return t


def robust_priority_tables() -> dict[str, pd.DataFrame]:
    """The tiny network with rice (non-perishable, 100 t/day) beside durian and X1 at 20
    trucks/day (session 11, the last gaps of ``verify/robust.py``): with 90 % of X1 reserved
    for perishables (a priority lane, :data:`PRIORITY`), rice may use 2 trucks/day of it, so the
    lane binds in both years (a positive priority dual): the normal year sends the rest of the
    rice via X2 (5 USD/t dearer: a dual of 100 USD/truck), the year X2 is closed leaves 60 t of
    it unserved."""
    t = tiny.base_tables()
    tiny.add_product(t, "rice", supply_t_per_day=100, perishable=False, reefer=False)
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 20
    return t


#: the priority lane of ``robust-priority``: 90 % of X1 for perishables, every day
PRIORITY = {"crossing": "x1", "priority": {"share": 0.9}}


def solve_robust_runs(root: Path) -> dict[str, Path]:
    """Six robust plan folders (``RobustResult.write``, as ``borderflow robust`` writes them),
    each with its own verifier paths:

    * ``robust``: ``test_robust_priced.py``'s plan (cg-three-borders, Boten-Mohan closed with
      probability 1/2) with a slot quota of 4 trucks/day at Pa Hang in both scenarios: R3 found
      by pricing (three crossings), certified; the quota binds in the closed year (entry duals),
      which leaves 120 t unserved and the R2 booking idle;
    * ``robust-restricted``: the same plan without the quota and without pricing: restricted,
      with a gap bound (``gap_bound``);
    * ``robust-spot``: the tiny network, X1 closed with probability 0.1: the baseline plan is
      kept, so the closed year buys 200 t on the spot market via X2 and idles the X1 booking;
    * ``robust-terms``: :func:`robust_terms_tables`, X2 closed with probability 0.1: finite
      demand (market duals), a market receiving nothing, a toll, a value of time, a share rule
      and a crossing two routes fill;
    * ``robust-priority``: :func:`robust_priority_tables`, X2 closed with probability 0.001 (a
      rare closure: the closed year's weighted unserved penalty, 0.5 USD/t, is below 1 USD/t,
      so a supply dual the verifier defaults to 1 instead of 0 shows) and a priority lane
      binding in both years.
    """
    from borderflow.data.dataset import load_dataset
    from borderflow.options import RunOptions
    from borderflow.robust import closure_scenarios, robust_plan

    priced = load_dataset(robust_priced_data(root / "data-robust"), check_borders=False)
    closed, p = closure_scenarios(["boten-mohan"], 0.5)
    quota = {"crossing": "pa-hang-long-sap", "slot_quota": {"trucks_per_day": 4}}
    spot, p_spot = closure_scenarios(["x1"], 0.1)
    shut_x2, p_x2 = closure_scenarios(["x2"], 0.1)
    rare, p_rare = closure_scenarios(["x2"], 0.001)
    plans = {
        "robust": robust_plan(priced, with_events(closed, quota), p, RunOptions.of()),
        "robust-restricted": robust_plan(priced, closed, p, RunOptions.of(pricing_rounds=0)),
        "robust-spot": robust_plan(load_dataset(border_data(root, "data-robust-spot"),
                                                check_borders=False), spot, p_spot),
        "robust-terms": robust_plan(load_dataset(border_data(
            root, "data-robust-terms", robust_terms_tables()), check_borders=False), shut_x2,
            p_x2),
        "robust-toll": robust_plan(load_dataset(border_data(
            root, "data-robust-toll", _expressway(robust_terms_tables())), check_borders=False),
            shut_x2, p_x2),
        "robust-priority": robust_plan(load_dataset(border_data(
            root, "data-robust-priority", robust_priority_tables()), check_borders=False),
            with_events(rare, PRIORITY), p_rare),
    }
    return {name: plan.write(root / name) for name, plan in plans.items()}


# ---------------------------------------------------------------------------- edits
def _table(name: str, fn: Callable[[pd.DataFrame], pd.DataFrame], csv: bool = True,
           parquet: bool = True) -> Callable[[Path], None]:
    """Edit one result table (parquet and/or CSV, which should say the same)."""
    def edit(run: Path) -> None:
        df = fn(pd.read_parquet(run / f"{name}.parquet"))
        if parquet:
            df.to_parquet(run / f"{name}.parquet", index=False)
        if csv:
            df.to_csv(run / f"{name}.csv", index=False, lineterminator="\n")
    return edit


def _summary(fn: Callable[[dict], None], name: str = "summary.json") -> Callable[[Path], None]:
    def edit(run: Path) -> None:
        doc = json.loads((run / name).read_text())
        fn(doc)
        (run / name).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return edit


def _both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(run: Path) -> None:
        for e in edits:
            e(run)
    return edit


def _shift_a_queue_date(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    i = int(np.flatnonzero(df["queue_trucks"].to_numpy() > 0)[0])
    df.loc[i, "date"] = (pd.Timestamp(df.loc[i, "date"]) + pd.Timedelta(days=1)).date() \
        .isoformat() if isinstance(df.loc[i, "date"], str) else \
        df.loc[i, "date"] + pd.Timedelta(days=1)
    return df


def _reverse_dates(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(date=df["date"].to_numpy()[::-1])


def _swap_duals(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    x1, x2 = (df["crossing_id"] == "x1"), (df["crossing_id"] == "x2")
    d1 = df.loc[x1, "dual_usd_per_truck"].to_numpy()
    d2 = df.loc[x2, "dual_usd_per_truck"].to_numpy()
    assert np.abs(d1 - d2).max() > 1, "the static run must have different duals at X1 and X2"
    df.loc[x1, "dual_usd_per_truck"], df.loc[x2, "dual_usd_per_truck"] = d2, d1
    return df


def _move_a_day(df: pd.DataFrame) -> pd.DataFrame:
    """The first day's dispatch booked on the next day (that day then ships twice; rolling
    every row's day by one would change nothing when every day ships the same)."""
    first, second = sorted(df["period"].unique())[:2]
    return df.assign(period=df["period"].where(df["period"] != first, second))


def _relabel_route(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    i = int(np.flatnonzero(df["crossings"].str.contains("x1"))[0])
    df.loc[i, "crossings"] = df.loc[i, "crossings"].replace("x1", "x2")
    return df


def _other_gate_in_route(df: pd.DataFrame) -> pd.DataFrame:
    """A route's gate arc replaced by the other gate, every other column left alone."""
    df = df.copy()
    i = int(np.flatnonzero(df["arc_id"].astype(str).str.startswith("x1"))[0])
    df.loc[i, ["arc_id", "element_id"]] = ["x2:a_to_b", "x2"]
    return df


def _consistent_revenue(run: Path) -> None:
    """A price raised by 10 USD/t everywhere it shows: route revenue, product revenue, summary
    revenue and objective, all consistent with each other (not with markets.csv)."""
    rf = pd.read_parquet(run / "route_flows.parquet")
    extra = float((rf["flow_t"] * 10).sum())
    _table("route_flows", lambda d: d.assign(price_usd_per_t=d["price_usd_per_t"] + 10,
                                             revenue_usd=d["revenue_usd"] + d["flow_t"] * 10)
           )(run)
    _table("products", lambda d: d.assign(revenue_usd=d["revenue_usd"] + extra))(run)
    _summary(lambda s: s.update(revenue_usd=s["revenue_usd"] + extra,
                                objective_usd=s["objective_usd"] - extra))(run)


def _garbage(name: str) -> Callable[[Path], None]:
    return lambda run: (run / name).write_bytes(b"PAR1 not really a parquet file \x00\xff" * 8)


def _delete(*names: str) -> Callable[[Path], None]:
    return lambda run: [(run / n).unlink(missing_ok=True) for n in names]


def _run_json(fn: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(run: Path) -> None:
        doc = json.loads((run / "run.json").read_text())
        fn(doc)
        (run / "run.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return edit


def _no_closure(doc: dict) -> None:
    doc["scenario"]["events"] = [e for e in doc["scenario"]["events"] if "close" not in e]


def _unknown_route(df: pd.DataFrame) -> pd.DataFrame:
    """The stream of the first initial queue renamed to a route the run does not have."""
    df = df.copy()
    first = df["route_id"].to_numpy()[0]
    df.loc[df["route_id"] == first, "route_id"] = first + "|renamed"
    return df


def _past_the_last_day(df: pd.DataFrame) -> pd.DataFrame:
    """The last row holding a queue put 100 days after the horizon."""
    df = df.copy()
    i = int(np.flatnonzero(df["queue_t"].to_numpy() > 0)[-1])
    df.loc[i, "period"] = int(df["period"].max()) + 100
    return df


def _empty_episode(df: pd.DataFrame) -> pd.DataFrame:
    """A backlog row of a new episode at the first row's gate with every value empty (no
    dates, no numbers): nothing the verifier derives matches it."""
    row = {c: None for c in df.columns} | {"crossing_id": df["crossing_id"].iloc[0],
                                           "direction": df["direction"].iloc[0],
                                           "episode": int(df["episode"].max()) + 1}
    return pd.concat([df, pd.DataFrame([row]).astype({c: df[c].dtype for c in df.columns
                                                      if df[c].dtype.kind == "f"})],
                     ignore_index=True)


def _robust_quota(trucks: float) -> Callable[[dict], None]:
    """The robust plan's slot quota at Pa Hang set to ``trucks`` a day in every scenario."""
    def edit(doc: dict) -> None:
        for scenario in doc["scenarios"]:
            for event in scenario["events"]:
                if "slot_quota" in event:
                    event["slot_quota"]["trucks_per_day"] = trucks
    return edit


def _robust_arc(df: pd.DataFrame) -> pd.DataFrame:
    """R3's Huu Nghi crossing replaced by Boten-Mohan (not a path any more)."""
    df = df.copy()
    i = int(np.flatnonzero(df["element_id"] == "huu-nghi-youyiguan")[0])
    df.loc[i, ["arc_id", "element_id"]] = ["boten-mohan:a_to_b", "boten-mohan"]
    return df


def _onto_the_closed_gate(df: pd.DataFrame) -> pd.DataFrame:
    """The closed year's 80 t on R3 moved onto R2, through the closed Boten-Mohan."""
    df = df.copy()
    r2 = df["route_id"].str.contains("boten-mohan").to_numpy()
    moved = df.loc[~r2, "flow_t"].sum()
    df.loc[r2, "flow_t"] += moved
    df.loc[~r2, "flow_t"] = 0.0
    return df


def _drop_rows(keep: Callable[[pd.DataFrame], pd.Series]) -> Callable[[pd.DataFrame],
                                                                       pd.DataFrame]:
    """Drop the rows ``keep`` says False for (a row a spreadsheet lost)."""
    return lambda d: d[keep(d).to_numpy()].reset_index(drop=True)


def _through_x2(more_t: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """``more_t`` t more on every route through X2 (two of them fill it in the normal year)."""
    return lambda d: d.assign(flow_t=d["flow_t"] + more_t * d["route_id"].str.contains(
        "x2:").to_numpy())


def _summary_without(key: str) -> Callable[[Path], None]:
    return _summary(lambda s: s.pop(key))


def _into_china_twice(df: pd.DataFrame) -> pd.DataFrame:
    """The first route through X1 made to cross it, cross back and cross again (a path still,
    arc after arc, but entering China twice)."""
    df = df.copy()
    gate = df.index[df["arc_id"] == "x1:a_to_b"][0]
    route = df.loc[gate, "route_id"]
    back = df.loc[gate].to_dict() | {"arc_id": "x1:b_to_a", "direction": "b_to_a"}
    rows = [*df.loc[:gate].to_dict("records"), back, df.loc[gate].to_dict(),
            *df.loc[gate + 1:].to_dict("records")]
    out = pd.DataFrame(rows).astype(df.dtypes.to_dict())
    mine = (out["route_id"] == route).to_numpy()
    out.loc[mine, "seq"] = range(int(mine.sum()))
    return out


def _later_tier(c: pd.DataFrame) -> pd.DataFrame:
    """X1's 2.5 trucks of tier 2 moved to tier 3 (the same total; tier 2 left with room)."""
    c = c.copy()
    at2 = ((c["crossing_id"] == "x1") & (c["tier"] == 2)).to_numpy()
    at3 = ((c["crossing_id"] == "x1") & (c["tier"] == 3)).to_numpy()
    c.loc[at3, "trucks"] = float(c.loc[at2, "trucks"].iloc[0])
    c.loc[at2, "trucks"] = 0.0
    return c


#: the reopening tree's branch in which X1 reopens on day 5 (told apart from the other on day 3)
LATE_BRANCH = "branch-1-reopens-2024-01-06"


def _one_more_tonne_on_day(period: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """1 t more on the first route flow of ``period`` (a decision the other branch, not yet
    told apart, did not make)."""
    def edit(d: pd.DataFrame) -> pd.DataFrame:
        d = d.copy()
        i = d.index[d["period"] == period][0]
        d.loc[i, "flow_t"] += 1.0
        return d
    return edit


def _arcs(renumber: Callable[[list], list]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The first route's arcs renumbered (``seq``) by ``renumber``."""
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        mine = (df["route_id"] == df["route_id"].iloc[0]).to_numpy()
        df.loc[mine, "seq"] = renumber(list(df.loc[mine, "seq"]))
        return df
    return edit


def _booking_scenarios(n: int) -> Callable[[dict], None]:
    return lambda doc: doc["options"].setdefault("pricing", {}).update(booking_scenarios=n)


#: the reopening tree's branch in which X1 reopens on day 3
EARLY_BRANCH = "branch-0-reopens-2024-01-04"


def _tier_row(run: Path) -> None:
    """A congestion table written into a run solved without congestion tiers (X1's 4 trucks
    in one free tier): a table the run's parameters do not call for."""
    _write(run, "congestion", pd.DataFrame([{
        "crossing_id": "x1", "direction": "a_to_b", "period": 0, "product_id": "durian",
        "tier": 1, "share_low": 0.0, "share_high": 1.0, "hours": 0.0,
        "capacity_trucks_per_day": 4.0, "trucks": 4.0, "cost_usd_per_truck": 0.0,
        "cost_usd": 0.0, "link_dual_usd_per_truck": 0.0, "tier_dual_usd_per_truck": 0.0}]))


def _write(run: Path, name: str, df: pd.DataFrame) -> None:
    df.to_parquet(run / f"{name}.parquet", index=False)
    df.to_csv(run / f"{name}.csv", index=False, lineterminator="\n")


def _free_tier_into_tier_2(c: pd.DataFrame) -> pd.DataFrame:
    """X1's 5 trucks of the free tier 1 moved into tier 2 (tier 1 left empty, with room)."""
    c = c.copy()
    at1 = ((c["crossing_id"] == "x1") & (c["tier"] == 1)).to_numpy()
    at2 = ((c["crossing_id"] == "x1") & (c["tier"] == 2)).to_numpy()
    c.loc[at2, "trucks"] += float(c.loc[at1, "trucks"].iloc[0])
    c.loc[at1, "trucks"] = 0.0
    return c


def _negative_vss(run: Path) -> None:
    """An expectation policy 500 USD cheaper than the tree in every branch, and the VSS of
    -500 USD this implies stated in the summary (consistent, but a VSS is never negative)."""
    _table("branches", lambda d: d.assign(policy_objective_usd=d["tree_objective_usd"] - 500))(
        run)
    _summary(lambda s: s.update(vss_usd=-500.0))(run)


def _no_gap_bound(routing: str) -> Callable[[dict], None]:
    def edit(s: dict) -> None:
        del s["gap_bound_usd"]
        s.update(routing=routing, optimality="optimal over the run's routes; no gap bound")
    return edit


def _first_row_of_day(period: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda d: d.drop(d.index[d["period"] == period][:1])


def _rmtree(name: str) -> Callable[[Path], None]:
    return lambda run: shutil.rmtree(run / name)


#: name -> (run, edit); the first ten: the blind spots of issue 15 (its "CSV-only edits" are two
#: here), then the two tampers that crashed the verifier, then new ones
TAMPERS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "a queue date moved": ("dated", _table("queues", _shift_a_queue_date)),
    "stream_queues dates reversed": ("dated", _table("stream_queues", _reverse_dates)),
    "trucks_per_day set to tonnes": ("static", _table(
        "flows", lambda d: d.assign(trucks_per_day=d["flow_t"]))),
    "CSV edited, parquet not (flows)": ("static", _table(
        "flows", lambda d: d.assign(flow_t=d["flow_t"] * 2), parquet=False)),
    "CSV edited, parquet not (crossing capacity)": ("static", _table(
        "crossings", lambda d: d.assign(capacity_trucks_per_day=d["capacity_trucks_per_day"]
                                        + 100), parquet=False)),
    "duals swapped between crossings": ("static", _table("crossings", _swap_duals)),
    "utilisation halved": ("static", _table(
        "crossings", lambda d: d.assign(utilisation=d["utilisation"] / 2))),
    "summary status set to infeasible": ("static", _summary(
        lambda s: s.update(status="infeasible"))),
    "products.shipped_t + 50": ("static", _table(
        "products", lambda d: d.assign(shipped_t=d["shipped_t"] + 50))),
    "a route's crossings label changed": ("static", _table("route_flows", _relabel_route)),
    # ---- the two that crashed the verifier
    "unserved table deleted": ("static", _delete("unserved.parquet", "unserved.csv")),
    "garbage parquet file": ("static", _garbage("flows.parquet")),
    # ---- new
    "a flows row dropped": ("static", _table("flows", lambda d: d.iloc[1:])),
    "a route's gate arc changed": ("static", _table("route_arcs", _other_gate_in_route)),
    "prices raised consistently everywhere": ("static", _consistent_revenue),
    "dual made negative": ("static", _table(
        "crossings", lambda d: d.assign(dual_usd_per_truck=-d["dual_usd_per_truck"] - 1))),
    "capacity in the crossings table raised": ("static", _table(
        "crossings", lambda d: d.assign(
            capacity_trucks_per_day=d["capacity_trucks_per_day"] * 10))),
    "a day's flow moved to another day": ("dated", _table("route_flows", _move_a_day)),
    "spoilage hidden from the summary": ("dated", _summary(
        lambda s: s.update(spoiled_t=0.0, expired_in_queue_t=0.0))),
    "a spoilage row dropped": ("dated", _table("spoilage", lambda d: d.iloc[1:])),
    "closure removed from run.json": ("dated", _run_json(_no_closure)),
    "stored verification report edited": ("static", _table(
        "verification", lambda d: d.assign(amount=d["amount"] + 1.0))),
    "manifest removed": ("static", _delete(MANIFEST)),
    "marker removed": ("static", _delete(MARKER)),
    "a result table deleted outright": ("dated", _delete("queues.parquet", "queues.csv")),
    # ---- session 8 (mutants of the folder checks no tamper reached)
    "a CSV deleted, its parquet kept": ("static", _delete("crossings.csv")),
    "run.json not JSON": ("static", lambda run: (run / "run.json").write_text(
        "{not json", encoding="utf-8")),
    # ---- session 9: the three gaps session 8 left open (borderflow/verify/queues.py)
    "an initial queue's stream renamed to an unknown route": ("dated", _both(
        _table("initial_queues", _unknown_route), _table("stream_queues", _unknown_route))),
    "a backlog episode dropped": ("dated", _table("backlog", lambda d: d.iloc[1:])),
    "an empty backlog episode added": ("dated", _table("backlog", _empty_episode)),
    "a stream_queues row moved past the horizon": ("dated", _table(
        "stream_queues", _past_the_last_day)),
    # ---- session 9: robust plan folders (borderflow/verify/robust.py); the check each must
    # fail is ROBUST_CHECKS'
    "robust: a booking lowered by 50 t": ("robust", _table(
        "plan_routes", lambda d: d.assign(booked_t_per_day=d["booked_t_per_day"] - 50))),
    "robust: a normal-year supply dual raised": ("robust", _table(
        "scenario-0/unserved", lambda d: d.assign(dual_usd_per_t=d["dual_usd_per_t"] + 100))),
    "robust: a closed-year supply dual lowered": ("robust", _table(
        "scenario-1/unserved", lambda d: d.assign(dual_usd_per_t=d["dual_usd_per_t"] - 5))),
    "robust: 10 t above supply": ("robust", _table(
        "scenario-1/route_flows", lambda d: d.assign(flow_t=d["flow_t"] + 10))),
    "robust: probabilities changed in the scenarios table": ("robust", _table(
        "scenarios", lambda d: d.assign(probability=[0.4, 0.6]))),
    "robust: probabilities changed in run.json": ("robust", _run_json(
        lambda doc: doc.update(probabilities=[0.6, 0.6]))),
    "robust: the quota's dual halved": ("robust", _table(
        "scenario-1/entry_duals", lambda d: d.assign(
            dual_usd_per_truck=d["dual_usd_per_truck"] / 2))),
    "robust: the quota's dual made negative": ("robust", _table(
        "scenario-1/entry_duals", lambda d: d.assign(
            dual_usd_per_truck=-d["dual_usd_per_truck"]))),
    "robust: the quota raised in run.json": ("robust", _run_json(_robust_quota(40))),
    "robust: the quota lowered in run.json": ("robust", _run_json(_robust_quota(2))),
    "robust: rubber unlicensed at Pa Hang in the closed year": ("robust", _run_json(
        lambda doc: doc["scenarios"][1]["events"].append({
            "crossing": "pa-hang-long-sap", "license": {"products": ["rubber"],
                                                        "licensed": False}}))),
    "robust: the idle cost in the objective table lowered": ("robust", _table(
        "objective", lambda d: d.assign(idle_booking_usd=d["idle_booking_usd"] / 2))),
    "robust: the expected cost in the summary lowered": ("robust", _summary(
        lambda s: s.update(expected_cost_usd_robust=s["expected_cost_usd_robust"] - 1000))),
    "robust: a scenario's cost changed in the scenarios table": ("robust", _table(
        "scenarios", lambda d: d.assign(cost_usd_robust=d["cost_usd_robust"] + 100))),
    "robust: a route's crossing arc replaced": ("robust", _table("plan_arcs", _robust_arc)),
    "robust: the closed year's tonnes moved onto the closed gate": ("robust", _table(
        "scenario-1/route_flows", _onto_the_closed_gate)),
    "robust: an idle booking made negative": ("robust", _table(
        "scenario-1/route_flows", lambda d: d.assign(idle_t=-d["idle_t"]))),
    "robust: a scenario's route flows deleted": ("robust", _delete(
        "scenario-0/route_flows.parquet", "scenario-0/route_flows.csv")),
    "robust: the gap bound lowered": ("robust-restricted", _summary(
        lambda s: s["pricing"].update(gap_bound_usd=1.0))),
    "robust: the spot purchase dropped": ("robust-spot", _table(
        "scenario-1/route_flows", lambda d: d.assign(spot_t=0.0))),
    "robust: the spot premium dropped from the objective": ("robust-spot", _table(
        "objective", lambda d: d.assign(spot_premium_usd=0.0))),
    # ---- session 10: rows and values dropped from a robust plan (the verifier must notice a
    # missing row, not read it as 0), and robust-terms (demand, shares, toll, value of time)
    "robust: the closed year's unserved row dropped": ("robust", _table(
        "scenario-1/unserved", _drop_rows(lambda d: d["unserved_t"] <= 0))),
    "robust: a booked route's plan row dropped": ("robust", _table(
        "plan_routes", _drop_rows(lambda d: d["booked_t_per_day"] < d[
            "booked_t_per_day"].max()))),
    "robust: a scenario's row dropped from the objective table": ("robust", _table(
        "objective", _drop_rows(lambda d: d["scenario"] != d["scenario"].iloc[-1]))),
    "robust: the idle cost column dropped from the objective table": ("robust", _table(
        "objective", lambda d: d.drop(columns="idle_booking_usd"))),
    "robust: a scenario's row dropped from the scenarios table": ("robust", _table(
        "scenarios", _drop_rows(lambda d: d["scenario"] != d["scenario"].iloc[-1]))),
    "robust: the expected cost deleted from the summary": ("robust", _summary_without(
        "expected_cost_usd_robust")),
    "robust: plan.parquet deleted": ("robust", _delete("plan.parquet")),
    "robust: 10 t more through the full X2": ("robust-terms", _table(
        "scenario-0/route_flows", _through_x2(10.0))),
    "robust: a route entering China twice": ("robust-spot", _table(
        "plan_arcs", _into_china_twice)),
    "robust: the gap bound deleted from the summary": ("robust-restricted", _summary(
        lambda s: s["pricing"].pop("gap_bound_usd"))),
    "robust: booking subsets limited to one scenario in run.json": ("robust", _run_json(
        _booking_scenarios(1))),
    "robust: 40 t more to M than its demand": ("robust-terms", _table(
        "scenario-0/route_flows", lambda d: d.assign(flow_t=d["flow_t"] + 40 * (
            (d["market"] == "cn-m") & (d["flow_t"] > 0)).to_numpy()))),
    # ---- session 11: a supply dual the certificate cannot find (its key names a period the
    # plan does not have), so it must read it as 0, not as anything else
    "robust: the closed year's unserved rows moved to a period the plan lacks": (
        "robust-priority", _table("scenario-1/unserved", lambda d: d.assign(
            period=d["period"] + 1))),
    # ---- session 12: a crossings row lost, a certified run's gap bound deleted (verify/
    # crossings.py, verify/optimality.py: a missing row and a claim without its bound)
    "a crossings row dropped": ("static", _table("crossings", lambda d: d.iloc[1:])),
    "the gap bound deleted from a certified run's summary": ("static", _summary(
        lambda s: s["pricing"].pop("gap_bound_usd"))),
    # ---- session 12: robust plan documents and tables missing, unreadable or out of range
    # (the open gaps of verify/robust.py)
    "robust: a probability made negative in run.json": ("robust", _run_json(
        lambda doc: doc.update(probabilities=[-0.5, 1.5]))),
    "robust: probabilities deleted from the summary": ("robust", _summary_without(
        "probabilities")),
    "robust: a scenario's probability deleted from its summary": ("robust", _summary(
        lambda s: s.pop("probability"), "scenario-0/summary.json")),
    "robust: unused_booking_factor deleted from the summary": ("robust", _summary_without(
        "unused_booking_factor")),
    "robust: the probability column dropped from the scenarios table": ("robust", _table(
        "scenarios", lambda d: d.drop(columns="probability"))),
    "robust: the seq column dropped from plan_arcs": ("robust", _table(
        "plan_arcs", lambda d: d.drop(columns="seq"))),
    "robust: summary.json deleted": ("robust", _delete("summary.json")),
    "robust: summary.json not JSON": ("robust", lambda run: (run / "summary.json").write_text(
        "{not json", encoding="utf-8")),
    "robust: summary.json a JSON list": ("robust", lambda run: (run / "summary.json").write_text(
        "[1, 2]\n", encoding="utf-8")),
    "robust: plan_routes.parquet not a parquet file": ("robust", _garbage(
        "plan_routes.parquet")),
    "robust: scenarios deleted from run.json": ("robust", _run_json(
        lambda doc: doc.pop("scenarios"))),
    "robust: probabilities deleted from run.json": ("robust", _run_json(
        lambda doc: doc.pop("probabilities"))),
    "robust: booking subsets limited to the plan's two scenarios in run.json": ("robust",
        _run_json(_booking_scenarios(2))),
    "robust: a route's first two arcs swapped": ("robust-spot", _table("plan_arcs", _arcs(
        lambda seq: [1, 0, *seq[2:]]))),
    "robust: a route's last arc numbered past a gap": ("robust-spot", _table("plan_arcs", _arcs(
        lambda seq: [*seq[:-1], seq[-1] + 1]))),
    "robust: a route's first arc renamed to an unknown arc": ("robust-spot", _table(
        "plan_arcs", lambda d: d.assign(arc_id=["nowhere:a_to_b", *d["arc_id"].iloc[1:]]))),
    # ---- session 12: congestion tiers and a reopening tree (verify/congestion.py and
    # verify/reopening.py); the check each must fail is NAMED_CHECKS'
    "congestion: tier 2's trucks zeroed": ("congestion", _table("congestion", lambda c: c.assign(
        trucks=c["trucks"].where(c["tier"] != 2, 0.0)))),
    "congestion: the delay cost doubled": ("congestion", _table(
        "congestion", lambda c: c.assign(cost_usd=c["cost_usd"] * 2))),
    "congestion: an hour more in every tier": ("congestion", _table(
        "congestion", lambda c: c.assign(hours=c["hours"] + 1))),
    "congestion: the link duals raised": ("congestion", _table("congestion", lambda c: c.assign(
        link_dual_usd_per_truck=c["link_dual_usd_per_truck"] + 100))),
    "congestion: X1's tier-2 trucks moved to tier 3": ("congestion", _table(
        "congestion", _later_tier)),
    "congestion: the summary's delay cost lowered": ("congestion", _summary(
        lambda s: s.update(congestion_cost_usd=s["congestion_cost_usd"] - 10))),
    "reopening: a branch ships on day 2 what it cannot know yet": ("reopening", _table(
        f"{LATE_BRANCH}/route_flows", _one_more_tonne_on_day(2))),
    "reopening: the expected objective raised": ("reopening", _summary(
        lambda s: s.update(expected_objective_usd=s["expected_objective_usd"] + 10))),
    "reopening: the gap bound tightened": ("reopening", _summary(
        lambda s: s.update(gap_bound_usd=s["gap_bound_usd"] - 500))),
    "reopening: a branch's lower bound above its foresight": ("reopening", _table(
        "branches", lambda d: d.assign(foresight_lower_bound_usd=d[
            "foresight_lower_bound_usd"] + np.array([0.0, 5000.0])))),
    "reopening: routing claimed certified": ("reopening", _summary(
        lambda s: s.update(routing="certified"))),
    "reopening: the branch probabilities changed": ("reopening", _table(
        "branches", lambda d: d.assign(probability=[0.7, 0.3]))),
    "reopening: the EVPI lowered": ("reopening", _summary(
        lambda s: s.update(evpi_usd=s["evpi_usd"] - 100))),
    # ---- session 13: the states the session-12 cases left out (verify/congestion.py's table
    # present iff tiers are on, tier order and link keys; verify/reopening.py's unreadable
    # files, a tree without a bound, the VSS, EVPI and gap signs, a branch missing)
    "summary.json a JSON list": ("static", lambda run: (run / "summary.json").write_text(
        "[]\n", encoding="utf-8")),
    "a flows row's arc renamed to an unknown arc": ("static", _table(
        "flows", lambda d: d.assign(arc_id=["nowhere", *d["arc_id"].iloc[1:]]))),
    "a route's first arc renamed to an unknown arc": ("static", _table(
        "route_arcs", lambda d: d.assign(arc_id=["nowhere", *d["arc_id"].iloc[1:]]))),
    "the crossings table's dual column dropped": ("static", _table(
        "crossings", lambda d: d.drop(columns="dual_usd_per_truck"))),
    "the queues table's mean wait column dropped": ("dated", _table(
        "queues", lambda d: d.drop(columns="mean_wait_days"))),
    "a route arc's recorded from node changed": ("static", _table(
        "route_arcs", lambda d: d.assign(from_node=[*d["from_node"].iloc[:1], "vn-a2",
                                                    *d["from_node"].iloc[2:]]))),
    "10 t of spoilage added to the unserved table": ("dated", _table(
        "unserved", lambda d: d.assign(spoiled_t=d["spoiled_t"] + np.r_[10.0, np.zeros(
            len(d) - 1)]))),
    "the backlog's peak queue raised": ("dated", _table(
        "backlog", lambda d: d.assign(peak_queue_trucks=d["peak_queue_trucks"] + 5))),
    "the backlog's truck-days raised": ("dated", _table(
        "backlog", lambda d: d.assign(truck_days_waited=d["truck_days_waited"] + 10))),
    "congestion: the congestion table deleted": ("congestion", _delete(
        "congestion.parquet", "congestion.csv")),
    "congestion: a congestion table in a run without tiers": ("static", _tier_row),
    "congestion: X1's free tier-1 trucks moved into tier 2": ("congestion", _table(
        "congestion", _free_tier_into_tier_2)),
    "congestion: X2's tier trucks booked in the other direction": ("congestion", _table(
        "congestion", lambda c: c.assign(direction=c["direction"].where(
            c["crossing_id"] != "x2", "b_to_a")))),
    "reopening: branches.parquet not a parquet file": ("reopening", _garbage(
        "branches.parquet")),
    "reopening: summary.json not JSON": ("reopening", lambda run: (
        run / "summary.json").write_text("{not json", encoding="utf-8")),
    "reopening: the gap bound deleted, restricted and said so": ("reopening", _summary(
        _no_gap_bound("restricted"))),
    "reopening: the gap bound deleted, routing claimed certified": ("reopening", _summary(
        _no_gap_bound("certified"))),
    "reopening: the gap bound zeroed, routing claimed certified": ("reopening", _summary(
        lambda s: s.update(gap_bound_usd=0.0, routing="certified"))),
    "reopening: a negative gap bound": ("reopening", _summary(
        lambda s: s.update(gap_bound_usd=-s["gap_bound_usd"]))),
    "reopening: the foresight lower bounds dropped": ("reopening", _table(
        "branches", lambda d: d.drop(columns="foresight_lower_bound_usd"))),
    "reopening: a negative VSS stated": ("reopening", _negative_vss),
    "reopening: the foresight optima raised above the tree's": ("reopening", _table(
        "branches", lambda d: d.assign(
            foresight_objective_usd=d["foresight_objective_usd"] + 5000))),
    "reopening: a branch's objective deleted from its summary": ("reopening", _summary(
        lambda s: s.pop("objective_usd"), f"{EARLY_BRANCH}/summary.json")),
    "reopening: the status set to time_limit": ("reopening", _summary(
        lambda s: s.update(status="time_limit"))),
    "reopening: a branch folder deleted": ("reopening", _rmtree(LATE_BRANCH)),
    "reopening: a branch's first route flow of day 1 dropped": ("reopening", _table(
        f"{LATE_BRANCH}/route_flows", _first_row_of_day(0))),
}

#: the check each congestion or reopening-tree tamper (sessions 12, 13) must fail (with its
#: edit alone; test_tamper.py)
NAMED_CHECKS = {
    "congestion: tier 2's trucks zeroed": "congestion_link",
    "congestion: the delay cost doubled": "congestion_cost",
    "congestion: an hour more in every tier": "congestion_tiers",
    "congestion: the link duals raised": "congestion_dual",
    "congestion: X1's tier-2 trucks moved to tier 3": "congestion_order",
    "congestion: the summary's delay cost lowered": "congestion_cost",
    "reopening: a branch ships on day 2 what it cannot know yet": "nonanticipative_dispatch",
    "reopening: the expected objective raised": "expected_objective",
    "reopening: the gap bound tightened": "gap_bound",
    "reopening: a branch's lower bound above its foresight": "gap_bound",
    "reopening: routing claimed certified": "gap_bound",
    "reopening: the branch probabilities changed": "tree_branches",
    "reopening: the EVPI lowered": "evpi",
    "congestion: the congestion table deleted": "congestion_tiers",
    "congestion: a congestion table in a run without tiers": "congestion_tiers",
    "congestion: X1's free tier-1 trucks moved into tier 2": "congestion_order",
    "congestion: X2's tier trucks booked in the other direction": "congestion_link",
    "reopening: branches.parquet not a parquet file": "tables",
    "reopening: summary.json not JSON": "tables",
    "reopening: the gap bound deleted, restricted and said so": "manifest",
    "reopening: the gap bound deleted, routing claimed certified": "gap_bound",
    "reopening: the gap bound zeroed, routing claimed certified": "gap_bound",
    "reopening: a negative gap bound": "gap_bound",
    "reopening: the foresight lower bounds dropped": "gap_bound",
    "reopening: a negative VSS stated": "vss",
    "reopening: the foresight optima raised above the tree's": "evpi",
    "reopening: a branch's objective deleted from its summary": "expected_objective",
    "reopening: the status set to time_limit": "solver_status",
    # through the CLI the deleted folder's files are reported by the manifest alone; the
    # re-signed copy fails tree_branches (the oracle's cases show both)
    "reopening: a branch folder deleted": "manifest",
    "reopening: a branch's first route flow of day 1 dropped": "nonanticipative_dispatch",
}

#: the check each robust tamper must fail (with its edit alone; test_tamper.py)
ROBUST_CHECKS = {
    "robust: a booking lowered by 50 t": "recourse",
    "robust: a normal-year supply dual raised": "spot_route_dual",
    "robust: a closed-year supply dual lowered": "duality_gap",
    "robust: 10 t above supply": "supply_balance",
    "robust: probabilities changed in the scenarios table": "probability",
    "robust: probabilities changed in run.json": "probability",
    "robust: the quota's dual halved": "duality_gap",
    "robust: the quota's dual made negative": "dual_sign",
    "robust: the quota raised in run.json": "duality_gap",
    "robust: the quota lowered in run.json": "slot_quota",
    "robust: rubber unlicensed at Pa Hang in the closed year": "licence_day",
    "robust: the idle cost in the objective table lowered": "objective",
    "robust: the expected cost in the summary lowered": "objective",
    "robust: a scenario's cost changed in the scenarios table": "objective",
    "robust: a route's crossing arc replaced": "route",
    "robust: the closed year's tonnes moved onto the closed gate": "closure",
    "robust: an idle booking made negative": "non_negative",
    "robust: a scenario's route flows deleted": "tables",
    "robust: the gap bound lowered": "gap_bound",
    "robust: the spot purchase dropped": "recourse",
    "robust: the spot premium dropped from the objective": "objective",
    "robust: the closed year's unserved row dropped": "supply_balance",
    "robust: a booked route's plan row dropped": "recourse",
    "robust: a scenario's row dropped from the objective table": "objective",
    "robust: the idle cost column dropped from the objective table": "objective",
    "robust: a scenario's row dropped from the scenarios table": "objective",
    "robust: the expected cost deleted from the summary": "objective",
    "robust: plan.parquet deleted": "tables",
    "robust: 10 t more through the full X2": "crossing_capacity",
    "robust: 40 t more to M than its demand": "market_demand",
    "robust: a route entering China twice": "route",
    "robust: the gap bound deleted from the summary": "manifest",
    "robust: booking subsets limited to one scenario in run.json": "booking_route_dual",
    "robust: the closed year's unserved rows moved to a period the plan lacks": "duality_gap",
    "robust: a probability made negative in run.json": "probability",
    "robust: probabilities deleted from the summary": "probability",
    "robust: a scenario's probability deleted from its summary": "probability",
    "robust: unused_booking_factor deleted from the summary": "verifier",
    "robust: the probability column dropped from the scenarios table": "verifier",
    "robust: the seq column dropped from plan_arcs": "verifier",
    "robust: summary.json deleted": "tables",
    "robust: summary.json not JSON": "tables",
    "robust: summary.json a JSON list": "tables",
    "robust: plan_routes.parquet not a parquet file": "tables",
    "robust: scenarios deleted from run.json": "verifier",
    "robust: probabilities deleted from run.json": "verifier",
    "robust: booking subsets limited to the plan's two scenarios in run.json": "manifest",
    "robust: a route's first two arcs swapped": "route",
    "robust: a route's last arc numbered past a gap": "route",
    "robust: a route's first arc renamed to an unknown arc": "route",
}

#: facts the verifier must re-derive: caught even with a fresh manifest and marker
RE_DERIVABLE = [name for name in TAMPERS if name not in (
    "closure removed from run.json", "stored verification report edited", "manifest removed",
    "marker removed", "unserved table deleted", "garbage parquet file",
    "a result table deleted outright", "run.json not JSON",
    "robust: a scenario's route flows deleted",
    # a restricted plan claiming no bound is a state a plan may be in: only the manifest tells
    # it was not the run's
    "robust: the gap bound deleted from the summary",
    # session 12: a document that is not JSON cannot be re-signed (its volatile keys are
    # read); subsets limited to as many scenarios as the plan has change nothing it states
    "robust: summary.json not JSON",
    "robust: booking subsets limited to the plan's two scenarios in run.json",
    # a certified run's certificate is re-checked with or without the bound, and holds: only
    # the manifest tells the summary was edited
    "the gap bound deleted from a certified run's summary",
    # session 13: the same for a reopening tree's summary; and a tree without a bound that
    # says so is a state a tree may be in (only the manifest tells it was not the run's)
    "reopening: summary.json not JSON",
    "reopening: the gap bound deleted, restricted and said so")]


def resign(run: Path) -> None:
    """Cover the tracks: a new manifest of the edited files and a marker that matches it."""
    volatile = {}
    if (run / MANIFEST).exists():
        listed = json.loads((run / MANIFEST).read_text())["files"]
        volatile = {rel: e["volatile_keys"] for rel, e in listed.items()
                    if e.get("volatile_keys")}
    digest = write_manifest(run, volatile=volatile, exclude=(MARKER,))
    kind = (read_marker(run) or {}).get("kind", "run")
    write_marker(run, kind, manifest_sha256=digest)

