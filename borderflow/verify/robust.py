"""A robust plan's folder, re-checked independently (``borderflow verify ROBUST_FOLDER``; issue 17).

From the folder alone (:mod:`borderflow.robust_tables` says what it holds) and the inputs named
in its ``run.json``, with the verifier's own facts (:mod:`.facts`: arcs, costs, licences, shelf
lives, prices, each scenario's calendar) and nothing from :mod:`borderflow.model`:

=====================  =========================================================================
check                  what must hold
=====================  =========================================================================
probability            run.json's probabilities lie in [0, 1] and sum to 1; ``summary.json``,
                       ``scenarios.csv``, ``objective.csv`` and each ``scenario-<i>/summary.json``
                       say the same
route                  every route booked or used is a continuous path from its origin to its
                       market over the inputs' arcs, within its shelf life, entering no
                       country twice
licence                per scenario: no flow through a crossing the scenario does not license
                       for its product (the crossings' licences and what its ``license``
                       events grant)
slot_quota,            per scenario and gate-entry row (:func:`.levers.entry_rows`): loaded
licence_day            trucks/day of the routes the row counts <= its limit
non_negative           flows, spot, idle, unserved and bookings are ``>= 0``
supply_balance         per scenario, (origin, product): shipped + unserved = supply
crossing_capacity      per scenario, crossing and direction: loaded trucks + empty-return share x
                       the opposite direction's <= capacity (0 when closed)
closure                per scenario: no route through a crossing direction closed in it
market_demand          per scenario: tonnes to a capped market <= its demand
destination_share      per scenario: the published shares (:mod:`.terms`)
congestion_*           with congestion tiers (docs/model.md), per scenario the checks of a run
                       (:mod:`.congestion`: tiers = parameters.csv, the tier trucks hold the
                       loaded trucks the routes carry through each gate direction, within each
                       tier's room, filled in order, cost recomputed = the scenario's
                       ``congestion_cost_usd`` in ``objective.csv``)
recourse               per scenario and route: spot >= flow - booking, idle >= booking - flow
                       (so the booking as written is what each scenario's spot and idle price)
objective              per scenario each term (transport, revenue, unserved penalty, spot
                       premium at ``spot_premium_factor``, idle bookings at
                       ``unused_booking_factor``; with tiers the delay in them, from the tier
                       trucks and the verifier's own costs per truck-hour) recomputed from
                       the verifier's route costs and prices = ``objective.csv``; the
                       scenario's cost = ``scenarios.csv``; the expected cost sum_s p_s
                       cost_s = ``summary.json``
dual_sign, unserved_   the certificate (:mod:`borderflow.certificate_robust`): duals of the
dual, duality_gap,     right sign, ``p_s penalty - pi_s >= 0``, expected cost = dual objective,
spot_route_dual,       no spot column of any scenario and no booking column of any subset of
booking_route_dual,    scenarios with a negative reduced cost (a ``certified`` plan); per
entry_dual,            scenario, gate-entry duals (slot quotas, licences; rows recomputed by
                       :func:`.levers.entry_rows`) ``>= 0``, on rows it has, paid by the routes
                       they count in every column and ``- dual x limit`` in the dual objective;
congestion_dual        with tiers, per scenario the link and tier duals ``>= 0``, every tier
                       column's reduced cost ``p_s cost - kappa + sigma >= 0``, the link duals
                       paid per truck in every column, ``- sigma x room`` in the dual objective
                       (:mod:`borderflow.certificate_congestion`)
gap_bound              a ``restricted`` plan: its reported gap bound is at least the bound the
                       verifier finds; or a failed row saying what could not be re-checked
=====================  =========================================================================

Tolerance as in the verifier (:mod:`.report`).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from borderflow.certificate import _dual_objective, _report, _share_signs, _signs, dual_maps
from borderflow.certificate_congestion import congestion_duals
from borderflow.certificate_entry import entry_duals
from borderflow.certificate_robust import (
    MAX_SUBSETS_SCENARIOS,
    columns,
    price_column,
)
from borderflow.data.scenario import Scenario

from . import terms
from .absent import Tables, absent_tables, not_checked, stand_in
from .congestion import congestion_checks, congestion_cost_usd, tiers_of
from .facts import Facts, input_facts
from .levers import entry_rows
from .report import REPORT_COLUMNS, assemble, rows

SCENARIO_TABLES = ("route_flows", "unserved", "crossings", "market_duals", "share_duals",
                   "entry_duals", "congestion")
#: scenario tables a plan may lack (gate-entry rows, congestion tiers)
OPTIONAL = ("entry_duals", "congestion")
TOP_TABLES = ("plan", "scenarios", "plan_routes", "plan_arcs", "objective")
_OTHER = {"a_to_b": "b_to_a", "b_to_a": "a_to_b"}


def read_plan_folder(folder: Path) -> tuple[dict, list[pd.DataFrame]]:
    """The contents of a robust plan's folder (as :meth:`borderflow.robust.RobustResult.
    contents` holds them in memory), and a failed ``tables`` row per file missing or
    unreadable. The tables are :class:`~borderflow.verify.absent.Tables`: a check that asks
    for one the folder lacks stops on a :class:`~borderflow.verify.absent.MissingTable`."""
    problems: list[str] = []

    def table(where: Path, name: str) -> pd.DataFrame:
        try:
            return pd.read_parquet(where / f"{name}.parquet")
        except FileNotFoundError:
            if name in OPTIONAL:
                return pd.DataFrame()
            problems.append(f"{where.name}/{name}.parquet missing")
            return stand_in("missing")
        except Exception as err:  # noqa: BLE001 - an unreadable file is a finding
            problems.append(f"{where.name}/{name}.parquet unreadable ({type(err).__name__})")
            return stand_in("unreadable")

    def document(where: Path, name: str) -> dict:
        try:
            doc = json.loads((where / name).read_text(encoding="utf-8"))
            if isinstance(doc, dict):
                return doc
            problems.append(f"{where.name}/{name}: not a JSON object")
        except (OSError, ValueError) as err:
            problems.append(f"{where.name}/{name} unreadable ({type(err).__name__})")
        return {}

    tables = Tables({n: table(folder, n) for n in TOP_TABLES})
    documents = {n: document(folder, n) for n in ("summary.json", "run.json")}
    folders = {}
    for i in range(len(documents["run.json"].get("probabilities") or [])):
        sub = folder / f"scenario-{i}"
        sub_tables = {n: table(sub, n) for n in SCENARIO_TABLES}
        folders[sub.name] = (Tables({n: t for n, t in sub_tables.items() if len(t.columns)},
                                    f"{sub.name}/", absent_tables(sub_tables)),
                             {"summary.json": document(sub, "summary.json")})
    found = [rows("tables", np.array(problems, dtype=object), np.ones(len(problems)), "files")] \
        if problems else []
    return {"tables": tables, "documents": documents, "folders": folders}, found


def verify_plan(contents: dict, tables) -> pd.DataFrame:
    """Verify a robust plan (see the module docstring).

    Parameters
    ----------
    contents : dict
        ``tables``, ``documents`` and ``folders`` of the plan
        (:meth:`borderflow.robust.RobustResult.contents`, or :func:`read_plan_folder`).
    tables : InputTables
        The inputs the plan was solved on.

    Returns
    -------
    DataFrame
        Report rows (:data:`borderflow.verify.REPORT_COLUMNS`); a check that cannot run is a
        failed ``verifier`` row naming what could not be re-checked (the table the folder
        lacks, when it stopped on one: :func:`borderflow.verify.absent.not_checked`).
    """
    meta = contents["documents"].get("run.json", {})
    summary = contents["documents"].get("summary.json", {})
    scenarios = [Scenario.model_validate(s) for s in meta.get("scenarios", [])]
    p = [float(x) for x in meta.get("probabilities", [])]
    facts = [input_facts(tables, s) for s in scenarios]
    per = [_tables(contents["folders"].get(f"scenario-{i}", ({}, {}))[0], f"scenario-{i}/")
           for i in range(len(p))]
    parts: list[pd.DataFrame] = []

    def run(name: str, check) -> None:
        try:
            parts.extend(check())
        except Exception as err:  # noqa: BLE001 - a check that cannot run fails, visibly
            parts.append(not_checked(name, err, "re-checked"))

    top = _tables(contents["tables"], "")
    run("probabilities", lambda: _probability_checks(p, scenarios, summary, top, contents))
    routes: dict = {}
    run("routes", lambda: _route_checks(top, facts[0], routes))
    for i, (f, sc) in enumerate(zip(facts, per)):
        name = scenarios[i].name
        run(f"scenario {name}", lambda f=f, sc=sc, name=name: _primal(
            f, sc, top["plan_routes"], routes, name, tables))
        run(f"scenario {name} congestion", lambda f=f, sc=sc, name=name: _congestion(
            f, sc, top, routes, name, tables))
    run("objective", lambda: _objective_checks(facts, per, p, summary, top, routes,
                                               scenarios, tables))
    limit = int(((meta.get("options") or {}).get("pricing") or {}).get(
        "booking_scenarios", MAX_SUBSETS_SCENARIOS))
    run("certificate", lambda: _certificate(facts, per, p, summary, scenarios, limit))
    return assemble(parts)


def _tables(tables: dict, where: str) -> Tables:
    """``tables`` as :class:`~borderflow.verify.absent.Tables` (those read from a folder
    already are; a plan in memory lacks none)."""
    return tables if isinstance(tables, Tables) else Tables(tables, where)


def _probability_checks(p, scenarios, summary, top, contents) -> list[pd.DataFrame]:
    names = [s.name for s in scenarios]
    out = [rows("probability", "probabilities sum to 1", abs(sum(p) - 1.0), "probability", 1.0),
           rows("probability", [f"scenario={n}: in [0, 1]" for n in names],
                [max(0.0, -x, x - 1.0) for x in p], "probability", 1.0)]
    said = {"summary.json": summary.get("probabilities", {}),
            "scenarios.csv": dict(zip(top["scenarios"]["scenario"],
                                      top["scenarios"]["probability"])),
            "objective.csv": dict(zip(top["objective"]["scenario"],
                                      top["objective"]["probability"]))}
    said["scenario-<i>/summary.json"] = {
        n: contents["folders"].get(f"scenario-{i}", ({}, {}))[1].get("summary.json", {}).get(
            "probability", np.nan) for i, n in enumerate(names)}
    for where, values in said.items():
        out.append(rows("probability", [f"scenario={n}: {where}" for n in names],
                        [abs(float(values.get(n, np.nan)) - x) for n, x in zip(names, p)],
                        "probability", 1.0))
    return out


def _route_checks(top, f: Facts, routes: dict) -> list[pd.DataFrame]:
    """Each route rebuilt from ``plan_arcs``; fills ``routes``: route_id -> (cost USD/t,
    crossings [(crossing, direction)])."""
    plan = top["plan_routes"]
    arcs = top["plan_arcs"].sort_values(["route_id", "seq"], kind="stable")
    by_route = {r: g for r, g in arcs.groupby("route_id", sort=False)}
    names, faults = [], []
    for r in plan.drop_duplicates(["route_id", "product_id"]).itertuples(index=False):
        prod = f.products.loc[r.product_id]
        g = by_route.get(r.route_id)
        bad, node, hours, cost = [], r.origin, 0.0, 0.0
        seen, crossings = {f.countries.get(r.origin)}, []
        ids = [] if g is None else list(g["arc_id"])
        if g is None or list(g["seq"]) != list(range(len(g))):
            bad.append("arcs missing or out of order")
        for a in ids:
            if a not in f.arcs.index:
                bad.append(f"unknown arc {a}")
                break
            arc = f.arcs.loc[a]
            if arc["from_node"] != node:
                bad.append(f"{a} does not start at {node}")
            node, hours = arc["to_node"], hours + float(arc["travel_h"])
            time_usd = float(prod["payload_t"]) * float(prod["vot"]) * float(arc["travel_h"])
            if arc["kind"] == "crossing":
                country = f.countries.get(node)
                if country in seen:
                    bad.append(f"enters {country} twice")
                seen.add(country)
                crossings.append((arc["element_id"], arc["direction"]))
                cost += float(arc["cost_usd_per_truck"]) + time_usd
            else:
                toll = float(arc["toll_usd_per_truck"] or 0.0)
                cost += float(prod["cost_factor"]) * (float(arc["cost_usd_per_truck"]) - toll) \
                    + toll + time_usd
        if node != r.market:
            bad.append(f"ends at {node}, not {r.market}")
        if hours > float(prod["shelf_h"]) + 1e-9:
            bad.append(f"{hours:g} h > shelf life {float(prod['shelf_h']):g} h")
        routes[(r.route_id, r.product_id)] = (cost / float(prod["payload_t"]), crossings)
        names.append(f"{r.route_id}/{r.product_id}" + (f": {'; '.join(bad)}" if bad else ""))
        faults.append(float(len(bad)))
    return [rows("route", np.array(names, dtype=object), faults, "faults")]


def _flows(sc: dict, plan: pd.DataFrame) -> pd.DataFrame:
    """A scenario's flows with the plan's bookings (0 where not booked)."""
    keys = ["route_id", "product_id", "origin", "market", "period"]
    return sc["route_flows"].merge(plan[keys + ["booked_t_per_day"]], on=keys, how="outer") \
        .fillna({"flow_t": 0.0, "spot_t": 0.0, "idle_t": 0.0, "booked_t_per_day": 0.0})


def _primal(f: Facts, sc: dict, plan: pd.DataFrame, routes: dict, name: str,
            tables) -> list[pd.DataFrame]:
    at = f"scenario={name}: "
    fl = _flows(sc, plan)
    x, b = fl["flow_t"].to_numpy(float), fl["booked_t_per_day"].to_numpy(float)
    ent = (at + fl["route_id"] + "/" + fl["product_id"]).to_numpy()
    u = sc["unserved"]
    out = [rows("non_negative", ent, np.maximum(0.0, -fl[["flow_t", "spot_t", "idle_t",
                                                           "booked_t_per_day"]].min(axis=1)) + 0.0,
                "t"),
           rows("non_negative", (at + u["origin"] + "/" + u["product_id"]).to_numpy(),
                np.maximum(0.0, -u["unserved_t"].to_numpy(float)), "t"),
           rows("recourse", ent + " spot", np.maximum(0.0, x - b - fl["spot_t"].to_numpy(float)),
                "t", np.maximum(x, b)),
           rows("recourse", ent + " idle", np.maximum(0.0, b - x - fl["idle_t"].to_numpy(float)),
                "t", np.maximum(x, b))]
    shipped = fl.groupby(["origin", "product_id"])["flow_t"].sum()
    unserved = u.groupby(["origin", "product_id"])["unserved_t"].sum()
    supply = f.supply.groupby(["origin", "product_id"])["supply_t"].sum()
    keys = supply.index.union(shipped.index).union(unserved.index)
    gap = (shipped.reindex(keys, fill_value=0.0) + unserved.reindex(keys, fill_value=0.0)
           - supply.reindex(keys, fill_value=0.0))
    out.append(rows("supply_balance", [f"{at}{o}/{q}" for o, q in keys], gap.abs().to_numpy(),
                    "t", supply.reindex(keys, fill_value=0.0).to_numpy()))
    loaded: dict = {}
    closed = {(c, d) for c, d, k in zip(f.capacity["crossing_id"], f.capacity["direction"],
                                        f.capacity["capacity_trucks_per_day"]) if k <= 0}
    shut = []
    for r, q, t in zip(fl["route_id"], fl["product_id"], x):
        if t <= 0 or (r, q) not in routes:
            continue
        trucks = t / float(f.products.loc[q, "payload_t"])
        for key in routes[(r, q)][1]:
            loaded[key] = loaded.get(key, 0.0) + trucks
            if key in closed:
                shut.append((f"{at}{r}/{q} through {key[0]} {key[1]}", t))
    out.append(rows("closure", np.array([s[0] for s in shut] or [f"{at}no flow through a "
                                                                 "closed crossing"], dtype=object),
                    [s[1] for s in shut] or [0.0], "t"))
    unlicensed = [(f"{at}{r}/{q} through {c} {d}: not licensed for {q}", t)
                  for r, q, t in zip(fl["route_id"], fl["product_id"], x)
                  if t > 0 and (r, q) in routes for c, d in routes[(r, q)][1]
                  if f.licences.get(c) is not None and q not in f.licences[c]]
    out.append(rows("licence", np.array([s[0] for s in unlicensed] or [
        f"{at}no flow through a crossing its product is not licensed at"], dtype=object),
        [s[1] for s in unlicensed] or [0.0], "t"))
    out += _entry_checks(f, fl, routes, at)
    cap = f.capacity
    sigma = float(f.empty_share)
    use = np.array([loaded.get((c, d), 0.0) + sigma * loaded.get((c, _OTHER[d]), 0.0)
                    for c, d in zip(cap["crossing_id"], cap["direction"])])
    k = cap["capacity_trucks_per_day"].to_numpy(float)
    out.append(rows("crossing_capacity", (at + cap["crossing_id"] + " " + cap["direction"])
                    .to_numpy(), np.maximum(0.0, use - k), "trucks", k))
    mk = f.markets[np.isfinite(f.markets["demand_t_per_day"])]
    to = fl.groupby(["market", "product_id"])["flow_t"].sum()
    got = np.array([to.get((m, q), 0.0) for m, q in zip(mk["market"], mk["product_id"])])
    out.append(rows("market_demand", (at + mk["market"] + "/" + mk["product_id"]).to_numpy(),
                    np.maximum(0.0, got - mk["demand_t_per_day"].to_numpy(float)), "t",
                    mk["demand_t_per_day"].to_numpy(float)))
    share = terms.destination_share_checks(SimpleNamespace(route_flows=fl), tables)
    out.append(share.assign(entity=at + share["entity"].astype(str)))
    return out


def _delay(sc: dict, fl: pd.DataFrame | None = None, routes: dict | None = None,
           stated: float = np.nan) -> SimpleNamespace:
    """A scenario as :mod:`.congestion` reads a run: its ``congestion`` table, with ``fl`` its
    loaded flows through each gate direction (``flows``' crossing rows, from the routes'
    crossings) and ``stated`` its delay cost (``summary.congestion_cost_usd``)."""
    cross = []
    if fl is not None:
        cross = [(c, d, int(t), q, x) for r, q, t, x in zip(fl["route_id"], fl["product_id"],
                                                            fl["period"], fl["flow_t"])
                 if x > 0 and (r, q) in routes for c, d in routes[(r, q)][1]]
    flows = pd.DataFrame(cross, columns=["element_id", "direction", "period", "product_id",
                                         "flow_t"]).assign(kind="crossing")
    return SimpleNamespace(congestion=sc.get("congestion"), flows=flows,
                           summary={"congestion_cost_usd": stated})


def _congestion(f: Facts, sc: dict, top, routes: dict, name: str,
                tables) -> list[pd.DataFrame]:
    """A scenario's congestion tiers checked as a run's (:func:`.congestion.congestion_checks`):
    its loaded trucks per gate direction from the routes it ships, its stated delay cost the
    ``congestion_cost_usd`` of ``objective.csv`` (none without tiers: no rows)."""
    stated = top["objective"].set_index("scenario")
    cost = stated["congestion_cost_usd"].get(name, np.nan) \
        if "congestion_cost_usd" in stated.columns else np.nan
    out = congestion_checks(_delay(sc, _flows(sc, top["plan_routes"]), routes, float(cost)),
                            f, tables)
    return [o.assign(entity=f"scenario={name}: " + o["entity"].astype(str)) for o in out]


def _entry_checks(f: Facts, fl: pd.DataFrame, routes: dict, at: str) -> list[pd.DataFrame]:
    """Per gate-entry row of the scenario (slot quota, licence; :func:`.levers.entry_rows`):
    the loaded trucks/day of the routes it counts within its limit (``slot_quota``,
    ``licence_day``, as for a run)."""
    out = []
    for r in entry_rows(f).itertuples(index=False):
        used = sum(t / float(f.products.loc[q, "payload_t"])
                   for rid, q, o, t in zip(fl["route_id"], fl["product_id"], fl["origin"],
                                           fl["flow_t"])
                   if t > 0 and (rid, q) in routes and (r.crossing_id, r.direction)
                   in routes[(rid, q)][1] and (not r.origins or o in r.origins)
                   and (not r.products or q in r.products))
        limit = float(r.limit_trucks_per_day)
        out.append(rows("licence_day" if r.kind == "license" else r.kind, at + r.entity,
                        max(0.0, used - limit), "trucks/day",
                        max(limit, used) if np.isfinite(limit) else used))
    return out


def _objective_checks(facts, per, p, summary, top, routes, scenarios,
                      tables) -> list[pd.DataFrame]:
    premium = float(summary.get("spot_premium_factor", np.nan))
    unused = float(summary.get("unused_booking_factor", np.nan))
    stated = top["objective"].set_index("scenario")
    costs = top["scenarios"].set_index("scenario")["cost_usd_robust"]
    out, expected = [], 0.0
    for f, sc, ps, s in zip(facts, per, p, scenarios):
        fl = _flows(sc, top["plan_routes"])
        c = np.array([routes[(r, q)][0] for r, q in zip(fl["route_id"], fl["product_id"])])
        price = f.markets.set_index(["market", "product_id"])["price_usd_per_t"]
        pr = price.reindex(pd.MultiIndex.from_arrays([fl["market"], fl["product_id"]])) \
            .to_numpy(float)
        x = fl["flow_t"].to_numpy(float)
        u = sc["unserved"]
        pen = f.products["penalty_usd_per_t"].reindex(u["product_id"]).to_numpy(float)
        delay = {} if tiers_of(tables) is None else {
            "congestion_cost_usd": congestion_cost_usd(_delay(sc), f)}
        mine = {"transport_cost_usd": float(c @ x), "revenue_usd": float(pr @ x),
                "unserved_penalty_usd": float(pen @ u["unserved_t"].to_numpy(float)), **delay,
                "spot_premium_usd": premium * float(c @ fl["spot_t"].to_numpy(float)),
                "idle_booking_usd": unused * float(c @ fl["idle_t"].to_numpy(float))}
        total = mine["transport_cost_usd"] - mine["revenue_usd"] \
            + mine["unserved_penalty_usd"] + mine.get("congestion_cost_usd", 0.0) \
            + mine["spot_premium_usd"] + mine["idle_booking_usd"]
        expected += ps * total
        said = stated.loc[s.name] if s.name in stated.index else {}
        names = [f"scenario={s.name}: {k}" for k in mine] + [
            f"scenario={s.name}: cost_usd (objective.csv)",
            f"scenario={s.name}: cost_usd_robust (scenarios.csv)"]
        amounts = [abs(float(said.get(k, np.nan)) - v) for k, v in mine.items()] + [
            abs(float(said.get("cost_usd", np.nan)) - total),
            abs(float(costs.get(s.name, np.nan)) - total)]
        scale = max(abs(v) for v in [*mine.values(), total])
        out.append(rows("objective", names, amounts, "USD", scale))
    claimed = float(summary.get("expected_cost_usd_robust", np.nan))
    out.append(rows("objective", "expected cost: sum of probability x scenario cost "
                    "(summary.json expected_cost_usd_robust)", abs(claimed - expected), "USD",
                    max(abs(claimed), abs(expected))))
    return out


def _certificate(facts, per, p, summary, scenarios,
                 limit: int = MAX_SUBSETS_SCENARIOS) -> list[pd.DataFrame]:
    """The certificate's checks; the booking subsets are enumerated up to ``limit`` scenarios
    (the plan's ``--booking-scenarios`` as its run.json records it, else the default)."""
    routing = summary.get("routing")
    bound = (summary.get("pricing") or {}).get("gap_bound_usd")
    if routing is None:
        return []
    if routing != "certified" and bound is None:
        return [rows("gap_bound", "restricted plan with no gap bound: nothing claimed", 0.0,
                     "USD")]
    objective = float(summary["expected_cost_usd_robust"])
    names = [s.name for s in scenarios]
    out, dual = [], 0.0
    entries = [entry_rows(f) for f in facts]
    for f, sc, ps, name, own in zip(facts, per, p, names, entries):
        at = f"scenario={name}: "
        mu, rho, pi, lam, share = dual_maps(sc)
        gate = entry_duals(own, sc.get("entry_duals"), _report)
        cong = congestion_duals(sc, f, _report, weight=ps)  # tiers: weighted by p_s
        for part in (_signs(mu, rho, lam), _share_signs(share), *gate.checks, *cong.checks):
            out.append(part.assign(entity=at + part["entity"].astype(str)))
        # - sum epsilon x limit - sum sigma x tier room (duals already weighted by p_s)
        dual += gate.dual_objective_usd + cong.dual_objective_usd
        s = f.supply
        pen = f.products["penalty_usd_per_t"].reindex(s["product_id"]).to_numpy(float)
        pis = np.array([pi.get((o, q, int(t)), 0.0) for o, q, t in
                        zip(s["origin"], s["product_id"], s["period"])])
        out.append(rows("unserved_dual", (at + s["origin"] + "/" + s["product_id"]).to_numpy(),
                        np.maximum(0.0, pis - ps * pen), "USD/t", ps * pen))
        dual += _dual_objective(f, mu, rho, pi, lam)
    out.append(rows("duality_gap", "expected cost = sum over scenarios of the dual objective",
                    abs(objective - dual), "USD", max(abs(objective), abs(dual))))
    nodes = pd.DataFrame({"node_id": list(facts[0].countries),
                          "country": list(facts[0].countries.values())})
    premium = float(summary["spot_premium_factor"])
    unused = float(summary["unused_booking_factor"])
    exact = len(p) <= limit
    kinds = columns(p, premium, unused, subsets=exact,
                    alone=routing != "certified" or not exact)
    least_alone = []
    for col in kinds:
        routes = price_column(facts, nodes, per, col, entries)
        ent = f"{col.kind} {'+'.join(names[s] for s in col.members)}: "
        amount = np.maximum(0.0, -routes["min_reduced_cost_usd_per_t"].to_numpy(float)) + 0.0
        if col.kind == "alone":
            least_alone.append(float((routes["supply_t"].to_numpy(float) * amount).sum()))
        elif routing == "certified":
            out.append(pd.DataFrame({
                "check": f"{col.kind}_route_dual",
                "entity": (ent + routes["origin"] + "/" + routes["product_id"]).to_numpy(),
                "amount": amount, "unit": "USD/t", "tolerance": routes["tolerance"].to_numpy(),
                "ok": routes["ok"].to_numpy()}))
    if routing == "certified" and not exact:
        short = sum(least_alone)
        out.append(rows("booking_route_dual", f"{len(p)} scenarios: booking subsets not "
                        f"enumerated; certified only if no a_s < 0 (shortfall {short:g} USD)",
                        short, "USD", abs(objective)))
    if routing != "certified":
        found = max(0.0, objective - (dual - sum(least_alone)))
        out.append(rows("gap_bound", "restricted plan: reported gap bound >= the verifier's",
                        max(0.0, found - float(bound)), "USD", max(abs(objective), found)))
    return [o[REPORT_COLUMNS] for o in out]


def verify_plan_folder(folder: Path, data=None, overlays=()) -> pd.DataFrame:
    """Verify a robust plan's folder: its files (manifest and marker, CSV against parquet in
    the folder and each scenario's sub-folder, the inputs' checksums) and the plan
    (:func:`verify_plan`) against the inputs named in its ``run.json`` (or ``data``)."""
    from borderflow.data.errors import InputError, Problem, display_path

    from . import folder as files

    if not (folder / "run.json").is_file() and not (folder / "plan.parquet").is_file():
        raise InputError(Problem(display_path(folder), None, None, "not a robust plan folder "
                                 "(marked robust, but no run.json and no plan.parquet)"))
    return files.verify_plan_files(folder, read_plan_folder, verify_plan, data, overlays)
