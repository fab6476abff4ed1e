"""Helpers shared by the test modules (no test module imports another): dated scenarios and
edits of the tiny network (tests/tiny.py), and the tiny dataset moved onto a real border.

Network (tests/tiny.py): O -> X1 -> M takes 5 h to the gate, 2 h dwell, 5 h on (12 h in all),
durian 20 t/truck, supply 200 t/day = 10 trucks/day. With :func:`only_x1` X2 is closed, so X1
is the only way. Waiting costs 40 USD/truck-day; not shipping costs 500 USD/t (10,000
USD/truck), so the LP prefers to queue. (Over 500 lines: one shared toolbox of the tests'
hand-built networks and option pins; splitting it would make every test module import from
several places.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
import math
import importlib.util
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tiny

from borderflow.data.scenario import (CapacityEvent, CloseEvent, Horizon, InitialQueue, Scenario,
                                      Window)
from borderflow.options import RunOptions
from borderflow.uncertainty.ranges import RANGE_TABLE_COLUMNS, Ranges

TOL = 1e-6
#: first day of the dated tiny scenarios
START = dt.date(2024, 1, 1)
#: the tiny crossings moved onto the VN–CN border (Huu Nghi, Tan Thanh) so the CLI's border
#: check accepts the dataset
ON_BORDER = {0: (106.70084, 21.98543), 1: (106.67000, 21.96219)}


def day(k: int) -> dt.date:
    """The ``k``-th day of the dated tiny scenarios (0 = :data:`START`)."""
    return START + dt.timedelta(days=k)


def only_x1(t, capacity: float) -> None:
    """X2 closed, X1 at ``capacity``; supply exactly 200 t/day in January (31 days)."""
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 31 * 12
    t["crossings"].loc[1, "status"] = "closed"
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = capacity



def set_parameter(t, name: str, value: float, unit: str) -> None:
    """Set (or add) the row ``name`` of the parameters table to ``value``."""
    p = t["parameters"]
    if (p["parameter"] == name).any():
        p.loc[p["parameter"] == name, "value"] = value
        return
    t["parameters"] = pd.concat([p, pd.DataFrame([{**p.iloc[0].to_dict(), "parameter": name,
                                                   "value": value, "unit": unit}])],
                                ignore_index=True)


def two_origins(t) -> None:
    """Origin O2 (100 t/day) on its own road to A1; O keeps 100 t/day; X1 alone, 15/day: the
    routes of O and O2 through X1 share one stream (tests/test_stream_aggregation.py)."""
    only_x1(t, 15)
    t["supply"].loc[0, "supply_t_per_year"] = 100 * 31 * 12
    node = t["nodes"].iloc[0].to_dict() | {"node_id": "vn-o2", "name": "VN-O2",
                                           "lon": 105.3, "lat": 21.5}
    t["nodes"] = pd.concat([t["nodes"], pd.DataFrame([node])], ignore_index=True)
    link = t["links"].iloc[0].to_dict() | {
        "link_id": "l5", "from_node": "vn-o2", "to_node": "vn-a1", "route_ref": "L5",
        "length_km": 50, "travel_h": 5,
        "geometry_wkt": tiny._line((105.3, 21.5), tiny.XY["vn-a1"])}
    t["links"] = pd.concat([t["links"], pd.DataFrame([link])], ignore_index=True)
    t["supply"] = pd.concat([t["supply"], pd.DataFrame([t["supply"].iloc[0].to_dict()
                                                        | {"node_id": "vn-o2"}])],
                            ignore_index=True)


def queue_series(run, n: int) -> np.ndarray:
    """Trucks queued at X1 (a to b) at the end of days 0..n-1 of a run."""
    q = run.results.queues
    q = q[(q["crossing_id"] == "x1") & (q["direction"] == "a_to_b")].set_index("period")
    return np.array([q["queue_trucks"].get(k, 0.0) for k in range(n)])


def dated(name: str, days: int, *events, queues=()) -> Scenario:
    """A scenario of ``days`` days from :data:`START` with ``events`` and initial ``queues``."""
    return Scenario(name=name, horizon=Horizon(start=START, days=days), events=tuple(events),
                    initial_queues=tuple(queues))


def phantom_write_off(t) -> Scenario:
    """The phantom write-off of tests/test_fifo_writeoffs.py: X1 alone at 10 trucks/day, shelf
    life 3 days, no supply, two initial queues of 10 trucks aged 2 and 0 days, X1 closed on
    days 1-5 of a 7-day horizon (edits ``t``; returns the scenario)."""
    only_x1(t, 10)
    t["products"].loc[0, "shelf_life_reefer_days"] = 3
    t["supply"].loc[0, "supply_t_per_year"] = 0
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(1), "to": day(5)}))
    queues = tuple(InitialQueue(crossing="x1", product="durian", trucks=10, age_days=age)
                   for age in (2, 0))
    return dated("phantom", 7, close, queues=queues)


def two_goods(t, *, mango_shelf_days: float, mango_age: int, durian_age: int,
               days: int = 3, events=(), durian_trucks: float = 1):
    """``test_class_fifo.py``'s two goods: X1 alone at 1 truck/day, no supply, durian (1 truck
    unless said) and mango (1 truck, price 2,000, value 1,000 USD/t) waiting at X1 as initial
    queues (edits ``t``; returns the scenario)."""
    only_x1(t, 1)
    t["supply"].loc[0, "supply_t_per_year"] = 0
    tiny.add_product(t, "mango", supply_t_per_day=0, shelf_life_days=mango_shelf_days,
                     price=2000, value=1000)
    queues = (InitialQueue(crossing="x1", product="durian", trucks=durian_trucks,
                           age_days=durian_age),
              InitialQueue(crossing="x1", product="mango", trucks=1, age_days=mango_age))
    return dated("two-goods", days, *events, queues=queues)


def solve_closure(solve_tiny, tiny_tables, **kwargs):
    """X1 alone at 20 trucks/day, closed on days 1-2, 5 days (options in ``kwargs``)."""
    only_x1(tiny_tables, 20)
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(1), "to": day(2)}))
    return solve_tiny(tiny_tables, dated("closure", 5, close), **kwargs)


def check_closure_queue(run) -> None:
    """The hand-computed queue of :func:`solve_closure`: arrivals 10/day; closed days 1-2
    queue 10 then 20; capacity 20 clears 10/day net."""
    assert queue_series(run, 6) == pytest.approx([0, 10, 20, 10, 0, 0], abs=TOL)
    s = run.results.summary
    assert s["waiting_cost_usd"] == pytest.approx(40 * (10 + 20 + 10), abs=TOL)
    assert s["spoiled_t"] == pytest.approx(0, abs=TOL)
    assert s["shipped_t"] == pytest.approx(1000, abs=TOL)


def border_data(tmp_path, name: str, tables=None) -> Path:
    """The tiny dataset (or ``tables``) with its crossings on the border, written to a folder."""
    t = tables if tables is not None else tiny.base_tables()
    for i, (lon, lat) in ON_BORDER.items():
        t["crossings"].loc[i, ["lon", "lat"]] = [lon, lat]
    return tiny.write(tmp_path / name, t)


def at_most_share_via(m, ix, crossing: str, product: str, share: float, name: str) -> None:
    """An analyst's ordinary Pyomo row on a built model (the extension point): at most
    ``share`` of the ``product`` dispatched crosses at ``crossing`` (``m.<name>``)."""
    import pyomo.environ as pyo

    use = ix.crossing_use
    via = use[(use["crossing_id"] == crossing) & (use["product_id"] == product)]
    dispatched = ix.flows.index[ix.flows["product_id"] == product]
    m.add_component(name, pyo.Constraint(
        expr=sum(getattr(m, v)[i] for v, i in zip(via["var"], via["idx"]))
        <= share * sum(m.route_flow[f] for f in dispatched)))


def realistic_network(t):
    """The realistic-dispatch network of ``test_realistic.py``, ``test_reopening.py`` and the
    verifier's oracle: 200 t/day of durian in January, X1 reached the day after dispatch
    (O -> A1 30 h), waiting dear (200 USD/truck-day). Edits ``t`` and returns it."""
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 31 * 12
    t["links"].loc[0, "travel_h"] = 30
    p = t["parameters"]
    p.loc[p["parameter"] == "waiting_cost_usd_per_truck_day", "value"] = 200.0
    return t


def edit_table(run: Path, table: str, change) -> None:
    """Apply ``change(df)`` to both files (parquet and CSV) of a run folder's table (a
    tampering test)."""
    import pandas as pd

    for ext in ("parquet", "csv"):
        path = Path(run) / f"{table}.{ext}"
        df = pd.read_parquet(path) if ext == "parquet" else pd.read_csv(path)
        df = change(df)
        df.to_parquet(path, index=False) if ext == "parquet" else df.to_csv(path, index=False)


#: a dated closure scenario of the tiny network as YAML (test_reproducibility, test_tamper)
CLOSURE_YAML = """\
    name: closure
    horizon: {start: 2024-01-01, days: 5}
    events:
      - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03}}
      - {crossing: x1, capacity_trucks_per_day: 15, from: 2024-01-04}
    initial_queues:
      - {crossing: x1, product: durian, trucks: 4, age_days: 1}
"""


def throttled_scenario(tiny_tables) -> Scenario:
    """Both gates, X1 squeezed on and off over three weeks: queues, reroutes and expiry
    interact across many windows."""
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 300 * 365
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 4
    events = [CapacityEvent(crossing="x1", capacity_trucks_per_day=c,
                            **{"from": day(a), "to": day(b)})
              for a, b, c in ((2, 4, 3), (8, 9, 0), (12, 15, 6), (18, 19, 2))]
    events.append(CapacityEvent(crossing="x2", capacity_trucks_per_day=4,
                                **{"from": day(6), "to": day(16)}))
    return dated("throttled", 21, *events,
                 queues=(InitialQueue(crossing="x1", product="durian", trucks=25),))


def must_deliver_through_a_shut_gate(tiny_tables) -> Scenario:
    """Durian must all be delivered, but X1 (the only gate) shuts from day 4 for longer than
    the 2 days its cargo may wait: infeasible."""
    only_x1(tiny_tables, 20)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    scenario = dated("shut", 10, CloseEvent(crossing="x1",
                                            close=Window(**{"from": day(4), "to": day(9)})))
    return scenario.model_copy(update={"must_deliver": ("durian",)})


def ranges_table(rows) -> Ranges:
    """Ranges from (table, key, field, low, value, high, distribution, effect, group)."""
    recs = [{"table": t, "key": k, "field": f, "low": lo, "value": v, "high": hi,
             "distribution": d, "unit": "", "effect_static": e, "effect_dated": e,
             "group": g, "basis": "", "source": "", "row": i + 1}
            for i, (t, k, f, lo, v, hi, d, e, g) in enumerate(rows)]
    return Ranges(pd.DataFrame(recs, columns=RANGE_TABLE_COLUMNS), "ranges.csv")


def tool(name: str):
    """The module of ``tools/<name>.py`` (the tools are scripts, not a package)."""
    path = Path(__file__).parents[1] / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_text(path: Path, text: str) -> Path:
    """Write ``text``, dedented (a YAML block written inline in a test), to ``path``."""
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path



#: tests/data/cg-three-borders and the gates its dated sweep tests close
CG_DATA = Path(__file__).parent / "data" / "cg-three-borders"
CG_GATES = ("boten-mohan", "huu-nghi-youyiguan", "vientiane-nong-khai")
CG_START = dt.date(2024, 1, 1)


#: test_robust_priced.py's three links of cg-three-borders re-measured (km): R2 (Boten) costs
#: 63 USD/t, R3 (Pa Hang and Huu Nghi, three crossings) 66.5 USD/t
ROBUST_LENGTHS = {"la-vientiane-gate_la-boten-gate": 400, "cn-mohan-gate_cn-nanning": 720,
                  "la-vientiane-gate_la-pa-hang-gate": 600}


def robust_priced_data(folder: Path) -> Path:
    """:data:`CG_DATA` copied to ``folder`` with the links of :data:`ROBUST_LENGTHS` (the robust
    plans of ``test_robust_priced.py`` and the tamper catalogue); returns ``folder``."""
    import shutil

    shutil.copytree(CG_DATA, folder)
    links = pd.read_csv(folder / "links.csv")
    links["length_km"] = [ROBUST_LENGTHS.get(i, km) for i, km in zip(links["link_id"],
                                                                     links["length_km"])]
    links.to_csv(folder / "links.csv", index=False)
    return folder


def with_events(scenarios, *events: dict) -> list[Scenario]:
    """``scenarios`` each with ``events`` (YAML-shaped dicts) added."""
    return [Scenario.model_validate({**d, "events": [*d["events"], *events]}) for d in
            (s.model_dump(mode="json", by_alias=True) for s in scenarios)]


def cg_closure_plan(days: int, first: int, last: int):
    """A sweep plan on cg-three-borders: the undisrupted ``baseline`` of ``days`` days from
    :data:`CG_START` and one scenario ``close-<gate>`` per gate of :data:`CG_GATES`, each
    closing it from day ``first`` to day ``last`` (0-based)."""
    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import Window
    from borderflow.sweeps import plan_scenarios

    horizon = Horizon(start=CG_START, days=days)
    shut = Window(**{"from": CG_START + dt.timedelta(days=first),
                     "to": CG_START + dt.timedelta(days=last)})
    return plan_scenarios([Scenario(name="baseline", horizon=horizon)]
                          + [Scenario(name=f"close-{g}", horizon=horizon,
                                      events=(CloseEvent(crossing=g, close=shut),))
                             for g in CG_GATES], data=CG_DATA, tables=load_dataset(CG_DATA))


def solved_cg_baseline(days: int = 12):
    """The baseline of :func:`cg_closure_plan` (closing days 8-9) built as a sweep worker
    builds its kept model, and solved: the ``Prepared`` model with its values and duals."""
    from borderflow.pipeline import solve_session
    from borderflow.sweeps import ModelCache
    from borderflow.sweeps.worker import build

    plan = cg_closure_plan(days=days, first=8, last=9)
    structure = plan.structures[plan.entry("baseline").structure]
    cache = ModelCache()
    cache.setup()
    model = build(cache.dataset(structure), structure)
    solve_session(model.session, model.built, model.net, structure.rolling)
    return model


def two_regions(t) -> None:
    """M in Guangxi; a second market K in Yunnan behind X2 (L5 cn-b2 -> cn-k, 100 km, 2 h)."""
    t["nodes"].loc[t["nodes"]["node_id"] == "cn-m", "admin1"] = "Guangxi"
    k = t["nodes"].iloc[-1].to_dict() | {"node_id": "cn-k", "name": "K", "kind": "market",
                                         "admin1": "Yunnan", "lon": 105.9, "lat": 21.2}
    t["nodes"] = pd.concat([t["nodes"], pd.DataFrame([k])], ignore_index=True)
    l5 = t["links"].iloc[3].to_dict() | {"link_id": "l5", "from_node": "cn-b2",
                                         "to_node": "cn-k", "length_km": 100, "travel_h": 2,
                                         "geometry_wkt": "LINESTRING (105.62 21.12, 105.9 21.2)"}
    t["links"] = pd.concat([t["links"], pd.DataFrame([l5])], ignore_index=True)
    mk = t["markets"].iloc[0].to_dict() | {"node_id": "cn-k"}
    t["markets"] = pd.concat([t["markets"], pd.DataFrame([mk])], ignore_index=True)


def two_region_shares(t) -> None:
    """Destination shares of Vietnam's fruit on :func:`two_regions`: Yunnan (K) 30-50 %,
    Guangxi-Guangdong (M) 50-70 %."""
    t["destination_shares"] = pd.DataFrame([
        {"origin": "VN", "product_id": "fruit", "dimension": "china-final-market",
         "destination": region, "share": s, "low": lo, "high": hi, "measure": "volume",
         "period": "2024", "source": "test fixture", "source_year": 2024, "quality": "estimate",
         "notes": "hand-made"}
        for region, s, lo, hi in (("yunnan", 0.4, 0.3, 0.5),
                                  ("guangxi-guangdong", 0.6, 0.5, 0.7))])


def assert_warm_equals_rebuilt(folder: Path, ranges_csv: str, n: int, seed: int) -> None:
    """Write ``ranges_csv`` into the dataset ``folder`` and check ``n`` Latin-hypercube samples
    of it: each applied warm to one kept model gives the objective of the model rebuilt from the
    sampled tables (every route enumerated: the detour filter off)."""
    import math

    from borderflow.data.dataset import load_dataset
    from borderflow.model.formulation import build_model
    from borderflow.model.network import build_network
    from borderflow.model.routes import RouteOptions, enumerate_routes
    from borderflow.solvers.highs import HighsSession
    from borderflow.uncertainty.changes import WarmEffects
    from borderflow.uncertainty.perturb import apply_sample
    from borderflow.uncertainty.ranges import read_ranges
    from borderflow.uncertainty.sampling import FactorSpace, latin_hypercube
    from borderflow.uncertainty.warm import WarmModel

    every = RouteOptions(detour_factor=math.inf)
    (folder / "ranges.csv").write_text(ranges_csv, encoding="utf-8")
    tables = load_dataset(folder, check_borders=False)
    space = FactorSpace.from_ranges(read_ranges(folder, tables))
    net = build_network(tables)
    routes = enumerate_routes(net, every)
    built = build_model(net, routes)
    effects = WarmEffects(built, routes, net, space)
    session = HighsSession(built.model)
    warm = WarmModel(session, built.model)
    samples = latin_hypercube(space, n, seed=seed)
    for i in range(n):
        warm.apply(effects.changes(samples.values[i]))
        got = session.solve(load=False).objective_usd
        n2 = build_network(apply_sample(tables, samples.sample(i)))
        want = HighsSession(build_model(n2, enumerate_routes(n2, every)).model).solve(
            load=False).objective_usd
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), i


#: realistic dispatch (re-planned each decision day with the events announced by then)
REALISTIC = RunOptions(dispatch="realistic")
#: perfect foresight, the optimum: what a test of a dated scenario with a surprise event means
#: when it checks an optimum (the default, ``auto``, would run it realistically)
FORESIGHT = RunOptions(dispatch="foresight")


def optimum_of(options: RunOptions | None) -> RunOptions:
    """``options`` (default :class:`RunOptions`) for a test that means the optimum: the
    default dispatch ``auto`` (realistic for a dated scenario with a surprise event) pinned to
    ``foresight``; an explicit ``realistic`` is kept (the policy asked for)."""
    options = options or RunOptions()
    return replace(options, dispatch="foresight") if options.dispatch == "auto" else options


def keep_rows(share, days, lag=0):
    """behaviour.csv rows of the drivers who keep coming: ``keep_coming_share`` of the pre-news
    plan for ``keep_coming_days`` days after the reaction lag ``lag`` (days)."""
    row = {"applies_to": "any gate", "unit": "-", "source": "test", "source_year": 2024,
           "quality": "estimate", "notes": ""}
    return pd.DataFrame([{**row, "parameter": "keep_coming_share", "value": share, "low": 0,
                          "high": 1},
                         {**row, "parameter": "keep_coming_days", "value": days, "low": 0,
                          "high": 60},
                         {**row, "parameter": "dispatch_reaction_lag_days", "value": lag,
                          "low": 0, "high": 14}])


#: the congestion tiers of ``test_congestion.py``: breakpoints at 50 / 75 / 90 % of capacity
#: and each tier's wait (h)
CONGESTION_HOURS = (0.0, 0.5, 2.0, 6.0)


def congestion_tables(t, hours=CONGESTION_HOURS, supply_t: float = 280.0, products=None,
                      fifo_lane_usd=None) -> dict:
    """The tiny two-gate network with congestion tiers (``test_congestion.py``'s hand-computed
    case and the verifier's oracle): a waiting cost of 24 USD/truck-day and a value of time
    (durian 0.95 USD/t-h unless ``products`` says otherwise), so a truck-hour in a tier costs
    20 USD; supply ``supply_t`` t/day; each gate 10 trucks/day a direction; tiers at 50 / 75 /
    90 % of capacity waiting ``hours``; ``fifo_lane_usd`` set: ``congestion_fifo`` 1 with that
    lane value of a truck-hour (USD). Edits ``t`` and returns it."""
    par = t["parameters"]
    par.loc[par["parameter"] == "waiting_cost_usd_per_truck_day", "value"] = 24.0
    t["cost_terms"] = pd.DataFrame([{"term": "value_of_time", "applies_to": p, "value": v,
                                     "unit": "USD/t-h", "low": v, "high": v, **tiny.PROV}
                                    for p, v in (products or {"durian": 0.95}).items()])
    t["supply"].loc[0, "supply_t_per_year"] = supply_t * 365
    for d in ("a_to_b", "b_to_a"):
        t["crossings"][f"capacity_{d}_trucks_per_day"] = 10
    rows = [{"parameter": f"congestion_breakpoint_{k}", "value": b, "unit": "-", **tiny.PROV}
            for k, b in enumerate((0.5, 0.75, 0.9), start=1)]
    rows += [{"parameter": f"congestion_hours_{k}", "value": h, "unit": "h", **tiny.PROV}
             for k, h in enumerate(hours, start=1)]
    if fifo_lane_usd is not None:
        rows += [{"parameter": "congestion_fifo", "value": 1, "unit": "-", **tiny.PROV},
                 {"parameter": "congestion_lane_usd_per_truck_h", "value": fifo_lane_usd,
                  "unit": "USD/truck-h", **tiny.PROV}]
    t["parameters"] = pd.concat([t["parameters"], pd.DataFrame(rows)],
                                ignore_index=True).astype(object)
    return t


def reopening_network(t, waiting: float = 300.0):
    """``test_reopening_tree.py``'s network: 200 t/day of durian in January, X1 reached the day
    after dispatch (O -> A1 30 h), waiting ``waiting`` USD/truck-day. Edits ``t``, returns it."""
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 31 * 12
    t["links"].loc[0, "travel_h"] = 30
    p = t["parameters"]
    p.loc[p["parameter"] == "waiting_cost_usd_per_truck_day", "value"] = waiting
    return t


#: the reopening tree of ``test_reopening_tree.py``'s CLI test: X1 closed on day 2, reopening
#: on day 3 (p = 0.8) or day 5 (0.2)
REOPENING_YAML = ("name: odds\nhorizon: {start: 2024-01-01, days: 8}\nevents:\n"
                  "  - {crossing: x1, close: {from: 2024-01-03, to: 2024-01-03}, "
                  "reopening_odds: {2024-01-04: 0.8, 2024-01-06: 0.2}}\n")


def crossing_trucks(run, crossing: str, product: str, t_per_truck: float = 20.0) -> float:
    """Trucks/day of ``product`` through ``crossing`` (a_to_b) in ``run``'s flows table."""
    f = run.results.flows
    return float(f.loc[(f["kind"] == "crossing") & (f["element_id"] == crossing)
                       & (f["direction"] == "a_to_b") & (f["product_id"] == product),
                       "flow_t"].sum()) / t_per_truck


def gate_allocation_usd_per_truck(g, p, duals, path, market, age: int, eta: float) -> float:
    """Brute-force reduced cost (USD/truck) of giving an initial queue entry of ``age`` days at
    ``path``'s last crossing to its stream (dual ``eta``): the least of expiring, staying queued
    to the end of the model and departing on a day its wait allows (the gate-day duals of
    ``duals``, a :class:`~borderflow.model.dated_pricing.DatedDuals`)."""
    P, n, omega = p.payload_t_per_truck, duals.n_periods, duals.waiting_cost_usd_per_truck_day
    x = [a for a in path if g.crossing[a] >= 0]
    H = float(g.hours[path].sum())
    og = float(g.hours[path[:path.index(x[-1])]].sum())
    wait = min(duals.max_wait_days, max(0, math.floor((p.shelf_life_h - H) / 24)))
    k = int((H - og) // 24)
    e = max(0, wait - age + 1)
    best = e * omega + P * p.penalty_usd_per_t - eta if e < n else n * omega - eta
    c, d = int(g.crossing[x[-1]]), int(g.direction[x[-1]])
    for day in range(min(wait - age, n - 1) + 1):
        if duals.closed[c, d, day]:
            continue
        gate = duals.capacity_usd_per_truck[c, d, day] + (
            duals.empty_return_share * duals.capacity_usd_per_truck[
                c, 1 - d, day + duals.empty_return_days]
            if day + duals.empty_return_days < n else 0.0)
        if not p.perishable and duals.priority_usd_per_truck is not None:
            gate += duals.priority_usd_per_truck[c, d, day]
        lam = duals.market_usd_per_t.get((g.node_ids[market], p.product_id, day + k), 0.0) \
            if day + k < n else 0.0
        best = min(best, day * omega + gate + P * (lam - dict(p.markets)[g.node_ids[market]])
                   - eta)
    return best


def verified_skip(row: tuple, columns_usd_per_truck: tuple, supply_dual: float,
                  tol: float = 1e-7) -> pd.DataFrame:
    """The verifier's rows (:class:`borderflow.certificate_skip.SkipRows`) of one skipped
    search of (o, p, day 0), payload 10 t: ``row`` is its ``pricing_bounds`` row
    (``SKIP_COLUMNS`` order); the verifier's own search is given as the pass's columns per
    truck (``columns_usd_per_truck``), the least below an offset being what it finds."""
    from borderflow.certificate import _report
    from borderflow.certificate_skip import SkipRows
    from borderflow.model.dated_skip import SKIP_COLUMNS

    bound = row[3]
    skips = SkipRows(pd.DataFrame([row], columns=SKIP_COLUMNS))

    def least(offset):
        below = [c for c in columns_usd_per_truck if c < offset]
        return (min(below) if below else None), [], None

    skips.check(("o", "p", 0), least, 0.0, supply_dual, 10.0, tol)
    summary = {"pricing": {"skipped_searches": 1, "min_reduced_cost_usd_per_t": bound,
                           "tolerance_usd_per_t": "1e-07"}}
    return pd.concat(skips.rows(summary, 2, _report), ignore_index=True)

