"""``bf.respond``: the best portfolio of responses to a disruption, under a budget (issue 21).

::

    import borderflow as bf

    ds = bf.load_dataset()
    sc = bf.Scenario.from_yaml("data/scenarios/boten-2021-closure.yaml", ds)
    r = bf.respond(ds, sc, "data/scenarios/boten-2021-levers.yaml", budget_usd=2e6)
    r.text(); r.portfolios; r.write("runs/boten-responses")

A *menu* (YAML, :mod:`borderflow.response_menu`) lists candidate levers, each a scenario
event with a name and, optionally, its cost per day (default: ``lever_costs.csv`` of the
dataset, an estimate with a range): extra capacity (optionally in several ``sizes``, at most
one chosen), an opening, or a licence (with its ``lead_time_days``).

One mixed-integer model (:mod:`borderflow.model.portfolio`) chooses the levers that minimise
the scenario's cost plus theirs, within the budget, solved by HiGHS, whose proven relative gap
is reported (a portfolio is called optimal only at a gap within 1e-6). The runner-ups are the
best set of each size ``k`` (the same model with ``sum z = k``), and each lever alone.

Scope, said in every output (``basis``): levers that add capacity (``extra_capacity``,
``open``) or license a product at a gate (``license``) are chosen by the model; slot quotas,
dispatch holds and withdrawn licences only restrict what the model already routes at least
cost, so they can never lower its cost and are refused in a menu (solve them as scenario
events to see what they cost). The model's route set is the one enumerated for the scenario
with every lever (no column generation inside the MIP).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario
from borderflow.model.formulation import build_model
from borderflow.model.levers import entry_bounds
from borderflow.model.network import build_network
from borderflow.model.portfolio import define_lever_choice
from borderflow.model.routes import enumerate_routes
from borderflow.options import RunOptions, for_optimum
from borderflow.solvers.highs import HighsSession, TimeLimitError

from .response_menu import LEVER_COSTS_FILE, Lever, lever_costs, read_menu  # noqa: F401

#: a portfolio is reported optimal only when HiGHS proves a relative gap within this
OPTIMAL_GAP = 1e-6
BASIS = ("levers that add capacity or license a product at a gate, chosen by one MIP over "
         "the route set enumerated for the scenario with every lever (no column generation in "
         "the MIP); slot quotas, holds and withdrawn licences cannot lower a least-cost "
         "model's cost and are not in a menu; a licence's lead time applies to dated runs")


def check_budget(budget_usd: float) -> None:
    """Refuse a budget that is not a finite number >= 0 (``--budget``)."""
    if not (np.isfinite(budget_usd) and budget_usd >= 0):
        raise InputError(Problem("command line", None, "--budget", f"a budget in USD >= 0, "
                                 f"got {budget_usd}"))


def _days_in_force(scenario: Scenario, ev) -> float:
    """Days of the horizon the lever is in force (static: the share of the days its
    representative day stands for, so its cost is per representative day)."""
    dates = scenario.horizon.dates
    if dates is None:
        days = scenario.horizon.representative_days()
        return sum(ev.window.covers(d) for d in days) / len(days)
    return float(sum(ev.window.covers(d) for d in dates))


def lever_deltas(tables: InputTables, scenario: Scenario, levers: list[Lever], shown: str,
                 rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Per capacity row of the model (``rows``: its keys), what each lever adds (trucks/day)
    and the capacity without levers; refused if two levers change one row (the capacity
    would not be additive in the levers)."""
    keys = ["crossing_id", "direction", "period"]
    base = rows[keys].merge(build_network(tables, scenario).capacity, on=keys, how="left")
    k0 = base["capacity_trucks_per_day"].to_numpy(dtype=float)
    parts = []
    for i, lever in enumerate(levers):
        one = scenario.model_copy(update={"events": scenario.events + (lever.event,)})
        ki = rows[keys].merge(build_network(tables, one).capacity, on=keys, how="left")[
            "capacity_trucks_per_day"].to_numpy(dtype=float)
        hit = np.flatnonzero(np.abs(ki - k0) > 1e-9)
        if (ki[hit] < k0[hit]).any():
            raise InputError(Problem(shown, lever.line, f"levers[{i}]", "this lever lowers a "
                                     "capacity the scenario sets: a lever may only add"))
        parts.append(pd.DataFrame({"row": hit, "lever": i, "delta_trucks_per_day":
                                   ki[hit] - k0[hit]}))
    deltas = pd.concat(parts, ignore_index=True)
    _refuse_overlap(deltas, levers, shown, rows, "the capacity of")
    return deltas, k0


def _refuse_overlap(deltas: pd.DataFrame, levers: list[Lever], shown: str, rows: pd.DataFrame,
                    what: str) -> None:
    """Refuse two levers (not sizes of one) that change one row: the row would not be
    additive in the levers."""
    group = [lv.group or lv.name for lv in levers]
    d = deltas.assign(group=[group[i] for i in deltas["lever"]]).drop_duplicates(
        ["row", "group"])
    twice = deltas[deltas["row"].isin(d.loc[d.duplicated("row", keep=False), "row"])]
    if len(twice):
        a, b = sorted(set(twice["lever"]))[:2]
        r = rows.iloc[int(twice["row"].iloc[0])]
        raise InputError(Problem(shown, levers[b].line, f"levers[{b}]", f"changes {what} "
                                 f"{r['crossing_id']} ({r['direction']}) on the same days "
                                 f"as '{levers[a].name}': give them as one lever"))


def entry_deltas(tables: InputTables, scenario: Scenario, every, levers: list[Lever],
                 shown: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Per entry row of the model built with every lever (licence rows: a product reaching a
    gate on a day), the limit without levers (``base``, trucks/day) and with each lever that
    raises it (``with``, capped by ``bound``: the product's whole supply in trucks, so that
    ``row <= base + (with - base) z`` is valid with the lever chosen)."""
    if rows is None or rows.empty:
        return pd.DataFrame(columns=["row", "lever", "base", "with"])
    l0 = entry_bounds(rows, build_network(tables, scenario))
    sup = every.supply.groupby("product_id")["supply_t"].sum()
    payload = every.products["payload_t_per_truck"]
    product = rows["key"].str.split("|").str[2]
    bound = (sup.reindex(product).fillna(0.0) / payload.reindex(product)).to_numpy(dtype=float)
    parts = []
    for i, lever in enumerate(levers):
        one = scenario.model_copy(update={"events": scenario.events + (lever.event,)})
        li = entry_bounds(rows, build_network(tables, one))
        hit = np.flatnonzero(li > l0 + 1e-9)
        parts.append(pd.DataFrame({"row": hit, "lever": i, "base": l0[hit],
                                   "with": np.minimum(li[hit], np.maximum(bound[hit], l0[hit]))}))
    deltas = pd.concat(parts, ignore_index=True)
    _refuse_overlap(deltas, levers, shown, rows, "the licence of a product at")
    return deltas


@dataclass(eq=False)
class ResponseResult:
    """The chosen portfolio, the runner-ups and each lever alone.

    Attributes
    ----------
    levers : DataFrame
        Per lever: name, kind, crossing, size, cost per day, days in force, cost (the
        objective's unit), source of the cost, and its effect alone (benefit, net benefit).
    portfolios : DataFrame
        ``set`` (``best``, ``size-k``, ``none``), levers, lever cost, model cost, total cost,
        benefit (model cost saved vs doing nothing), net benefit, unserved t, expired t,
        MIP gap and its dual bound, status; for ``none`` and ``best``, the model cost of the
        set re-solved as a plain scenario (``resolved_model_cost``), its spoiled tonnes and
        whether it verified; seconds.
    metadata : dict
    backlog : DataFrame
        Dated: the backlog episodes per gate (start, peak trucks, clear date) of doing
        nothing and of the best set, from their plain re-solves.
    """

    levers: pd.DataFrame
    portfolios: pd.DataFrame
    metadata: dict = field(default_factory=dict)
    backlog: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the best set re-solved as a plain scenario (:func:`resolve`: a :class:`borderflow.Result`),
    #: and the menu's levers
    best_run: object = None
    menu: list = field(default_factory=list)

    @property
    def best(self) -> pd.Series:
        """The chosen portfolio's row."""
        return self.portfolios[self.portfolios["set"] == "best"].iloc[0]

    def text(self, timing: bool = True) -> list[str]:
        """What was chosen, what it saves, and how sure the solver is (``timing``: with the
        solve's seconds, left out of the written ``summary.txt`` so it is deterministic)."""
        b, unit = self.best, self.metadata["unit"]
        chosen = b["levers"] or "no lever"
        gap = f"gap {b['mip_gap']:.2e}"
        proof = "optimal over the MIP's route set (HiGHS proved the gap)" \
            if b["status"] == "optimal" else \
            f"the best set found, not proved optimal ({b['status'].replace('_', ' ')}, " \
            f"{gap}, dual bound {b['dual_bound']:,.0f})"
        lines = [f"best response within {self.metadata['budget']:,.0f} {unit}: {chosen}; it "
                 f"costs {b['lever_cost']:,.0f} {unit} and saves {b['benefit']:,.0f} {unit} "
                 f"vs doing nothing (net {b['net_benefit']:+,.0f} {unit}); {proof}, {gap}"
                 + (f", {b['seconds']:.1f} s" if timing else "")]
        if np.isfinite(b.get("resolved_model_cost", np.nan)):
            lines.append(f"check: the best set re-solved as a plain scenario costs "
                         f"{b['resolved_model_cost']:,.0f} {unit} (the MIP: "
                         f"{b['model_cost']:,.0f}); verified: "
                         f"{'yes' if b['verified'] else 'NO'}; spoiled "
                         f"{b['spoiled_t']:,.0f} t")
            gain = b["model_cost"] - b["resolved_model_cost"]
            if gain > max(1.0, 1e-7 * abs(b["model_cost"])):
                lines.append(f"note: the re-solve is {gain:,.0f} {unit} cheaper: it priced "
                             "routes outside the MIP's enumerated route set (column "
                             "generation), so the MIP's choice is optimal over that route set "
                             "only")
        for r in self.portfolios[self.portfolios["set"].str.startswith("size-")].itertuples():
            lines.append(f"best of {r.set[5:]} lever(s): {r.levers or '-'}: net "
                         f"{r.net_benefit:+,.0f} {unit} (cost {r.lever_cost:,.0f}, gap "
                         f"{r.mip_gap:.1e})")
        for r in self.levers.itertuples():
            lines.append(f"alone: {r.name}: saves {r.benefit_alone:,.0f}, costs "
                         f"{r.cost:,.0f}, net {r.net_benefit_alone:+,.0f} {unit}")
        lines.append(f"basis: {self.metadata['basis']}")
        return lines

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables of the folder."""
        return {"levers": self.levers, "backlog": self.backlog,
                "portfolios": self.portfolios.drop(columns=["seconds"])}  # deterministic

    def write(self, folder, on_progress=None) -> Path:
        """Write the response folder: ``levers``, ``portfolios`` (CSV and parquet),
        ``respond.json``, ``summary.txt`` (:func:`borderflow.io.write_folder`), and ``map.html``
        and ``levers.gpkg``: the menu's levers at their gates, chosen or not, with cost."""
        from borderflow.io import write_folder

        if on_progress is not None:
            on_progress("write", None, None, f"writing {getattr(folder, 'out', folder)}")
        meta = {k: v for k, v in self.metadata.items() if k != "seconds"}
        return write_folder(folder, self.tables(), {"respond.json": meta},
                            texts={"summary.txt": "\n".join(self.text(timing=False)) + "\n"},
                            volatile={}, also=self._write_maps if self.best_run else None)

    def lever_layer(self):
        """The menu's levers at their gates, ``chosen`` yes/no (:func:`borderflow.gis.
        levers_layer`), on the best set's network."""
        from borderflow.gis import levers_layer

        picked = set(self.best["levers"].split(";"))
        return levers_layer(self.best_run.network, [lv.event for lv in self.menu],
                            names=[lv.name for lv in self.menu],
                            chosen=[lv.name in picked for lv in self.menu])

    def _write_maps(self, tmp: Path) -> None:
        """``map.html`` (the best set's flows re-solved, every lever of the menu at its gate,
        chosen or not, with its cost) and ``levers.gpkg`` (layer ``levers``)."""
        from borderflow.gis import run_data, write_layers
        from borderflow.html_map import flow_map_html

        layer = self.lever_layer()
        flow_map_html(run_data(self.best_run), tmp / "map.html", levers=layer)
        write_layers({"levers": layer}, tmp / "levers.gpkg", "gpkg")


def respond(dataset: InputTables, scenario: Scenario, menu: Path | str, budget_usd: float,
            options: RunOptions | None = None, on_progress=None) -> ResponseResult:
    """Choose the levers of ``menu`` that minimise ``scenario``'s cost plus theirs within a
    budget: one MIP solved by HiGHS, with the best set of each size and each lever alone.

    Parameters
    ----------
    dataset : InputTables
    scenario : Scenario
        The disruption (static: costs per representative day; dated: over the horizon).
    menu : path
        The levers (YAML, see the module docstring).
    budget_usd : float
        Most the chosen levers may cost: USD/day for a static scenario, USD over the horizon
        for a dated one.
    options : RunOptions, optional
    on_progress : callable, optional

    Returns
    -------
    ResponseResult

    Raises
    ------
    InputError
        A bad menu (file, line, field) or budget.
    SolverError
        HiGHS did not end with a proven or time-limited solution.
    """
    dataset = dataset.copy()  # a snapshot: tables edited in place later do not reach cached rules
    progress = on_progress or (lambda *a, **k: None)
    check_budget(budget_usd)
    options, why = for_optimum(options or RunOptions(), "respond")
    shown = display_path(menu)
    levers = read_menu(menu, dataset, scenario)
    dated = scenario.horizon.start is not None
    unit = "USD" if dated else "USD/day"
    days = np.array([_days_in_force(scenario, lv.event) for lv in levers])
    cost = np.array([lv.cost_usd_per_day for lv in levers]) * days
    every = scenario.model_copy(update={"events": scenario.events + tuple(
        lv.event for lv in levers)})
    routes_opt, solver = options.effective(dated, tuple(sorted(set(every.crossings_named()))))
    progress("model", None, None, f"building the model with {len(levers)} levers")
    net = build_network(dataset, every)
    built = build_model(net, enumerate_routes(net, routes_opt))
    deltas, k0 = lever_deltas(dataset, scenario, levers, shown, built.capacity_rows)
    entries = entry_deltas(dataset, scenario, net, levers, shown, built.entry_rows)
    m = built.model
    define_lever_choice(m, deltas, k0, cost, budget_usd, entries,
                        [lv.group for lv in levers])
    session = HighsSession(m, solver)
    session.highs.setOptionValue("mip_rel_gap", OPTIMAL_GAP)
    n = len(levers)
    z = m.lever_on

    def solve(label: str, lower, upper, count=(0, n), budget=budget_usd, cold=False) -> dict:
        session.set_bounds(z, np.asarray(lower, float), np.asarray(upper, float))
        session.set_bounds(m.lever_budget, np.array([0.0]), np.array([float(budget)]))
        session.set_bounds(m.lever_count, np.array([count[0]], float),
                           np.array([count[1]], float))
        fixed = bool(np.all(np.asarray(lower) == np.asarray(upper)))
        session.set_integer(not fixed)  # every lever fixed: the LP itself
        if cold:
            session.restart_cold()
        t0 = time.perf_counter()
        try:
            total = float(session.solve().objective_usd)
            gap, bound = session.mip_gap()
            status = "optimal" if gap <= OPTIMAL_GAP else "gap"
        except TimeLimitError:
            if fixed or not session.incumbent():
                raise
            info = session.highs.getInfo()
            total, (gap, bound) = float(info.objective_function_value), session.mip_gap()
            status = "time_limit"
        on = np.array([round(z[i].value or 0.0) for i in range(n)], dtype=int)
        lever_cost = float(cost @ on)
        return {"set": label, "levers": ";".join(lv.name for lv, o in zip(levers, on) if o),
                "n_levers": int(on.sum()), "lever_cost": lever_cost,
                "model_cost": total - lever_cost, "total_cost": total,
                "unserved_t": float(sum(v.value or 0.0 for v in m.unserved.values())),
                "expired_t": float(sum(v.value or 0.0 for v in m.expired.values())),
                "mip_gap": gap, "dual_bound": bound,
                "status": status,
                "seconds": time.perf_counter() - t0}

    zeros, ones = np.zeros(n), np.ones(n)
    progress("respond", 0, 2 * n + 2, "doing nothing")
    rows = [solve("none", zeros, zeros)]
    progress("respond", 1, 2 * n + 2, "the best portfolio within the budget")
    rows.append(solve("best", zeros, ones))
    groups = len({lv.group or lv.name for lv in levers})  # sizes of one lever: one at most
    for k in range(1, groups + 1):
        progress("respond", 1 + k, 2 * n + 2, f"the best set of {k} lever(s)")
        cheapest = pd.Series(cost).groupby([lv.group or lv.name for lv in levers]).min()
        if np.sort(cheapest.to_numpy())[:k].sum() > budget_usd + 1e-9:
            break  # no set of k levers fits the budget
        if k == rows[1]["n_levers"] and rows[1]["status"] == "optimal":
            # the best set within the budget has k levers: no set of k does better (each is
            # a set within the budget), so it is the best of k, as proven; not solved again
            rows.append({**rows[1], "set": f"size-{k}", "seconds": 0.0})
            continue
        rows.append(solve(f"size-{k}", zeros, ones, (k, k)))
    # each lever alone (every lever fixed: an LP) is solved as the first LP was, by the
    # session's algorithm from scratch: after the MIPs HiGHS has no basis to start from and
    # the simplex took 13-31 CPU s per lever on notebook 06's Boten closure (25k-44k
    # iterations; from doing nothing's optimal basis the rail lever still took 32k), interior
    # point about 8
    alone = []
    for i in range(n):
        progress("respond", n + 1 + i, 2 * n + 2, f"{levers[i].name} alone")
        one = zeros.copy()
        one[i] = 1
        alone.append(solve(f"alone-{i}", one, one, (0, n), float(cost.sum()) + 1.0,
                           cold=True))
    none = rows[0]["model_cost"]
    progress("respond", 2 * n + 1, 2 * n + 2, "re-solving doing nothing and the best set as "
             "plain scenarios, verified")
    picked = set(rows[1]["levers"].split(";"))
    chosen = {"none": [], "best": [lv for lv in levers if lv.name in picked]}
    same_routes = replace(options, routes=routes_opt)  # the MIP's route set (dated: its cap)
    checks = {k: resolve(dataset, scenario, v, same_routes) for k, v in chosen.items()}
    for row in rows:
        got = checks.get(row["set"])
        row.update({"resolved_model_cost": got["model_cost"] if got else np.nan,
                    "spoiled_t": got["spoiled_t"] if got else np.nan,
                    "verified": got["verified"] if got else None})
    backlog = pd.concat([c["backlog"].assign(set=k) for k, c in checks.items()],
                        ignore_index=True)
    portfolios = pd.DataFrame(rows)
    portfolios.insert(5, "benefit", none - portfolios["model_cost"])
    portfolios.insert(6, "net_benefit", portfolios["benefit"] - portfolios["lever_cost"])
    table = pd.DataFrame({
        "name": [lv.name for lv in levers],
        "kind": [lv.kind for lv in levers],
        "group": [lv.group or lv.name for lv in levers],
        "crossing_id": [lv.event.crossing for lv in levers],
        "products": [";".join(lv.event.license.products) if lv.kind == "license" else ""
                     for lv in levers],
        "from": [str(lv.event.start or "") for lv in levers],
        "extra_trucks_per_day": [getattr(lv.event, "extra_capacity_trucks_per_day", np.nan)
                                 for lv in levers],
        "cost_usd_per_day": [lv.cost_usd_per_day for lv in levers],
        "days_in_force": days, "cost": cost,
        "cost_source": [lv.cost_source for lv in levers],
        "benefit_alone": [none - a["model_cost"] for a in alone],
        "over_budget": cost > budget_usd + 1e-9})
    table["net_benefit_alone"] = table["benefit_alone"] - table["cost"]
    meta = {"scenario": scenario.name, "menu": shown, "budget": float(budget_usd),
            "unit": unit, "levers": n, "basis": BASIS, "optimal_gap": OPTIMAL_GAP,
            "variables": len(session.columns_of(m.route_flow)), "dated": dated,
            **({"dispatch_reason": why} if dated else {}),
            "seconds": float(portfolios["seconds"].sum())}
    cols = ["set"] + [c for c in backlog.columns if c != "set"]
    return ResponseResult(table, portfolios, meta, backlog[cols], checks["best"]["run"],
                          levers)


def resolve(dataset: InputTables, scenario: Scenario, chosen: list[Lever],
            options: RunOptions) -> dict:
    """The scenario with ``chosen`` levers as plain events, solved and verified the usual way
    (:func:`borderflow.solve`, alone: ``compare=False``): the independent check of a
    portfolio's cost, and its spoilage and backlog per gate. ``options`` should fix the MIP's
    route options (a dated run caps routes per product and keeps those through the gates
    named: the MIP's gates are every lever's), so that the two costs are over the same routes.

    Returns
    -------
    dict
        ``model_cost`` (USD, or USD/day static; at full precision,
        :attr:`borderflow.Result.raw_summary`), ``spoiled_t``, ``verified`` (bool),
        ``backlog`` (the run's backlog episodes: gate, direction, start, peak, clear date),
        ``run`` (the solved :class:`borderflow.Result`).
    """
    from borderflow.api import solve

    events = scenario.events + tuple(lv.event for lv in chosen)
    res = solve(dataset, scenario.model_copy(update={"events": events}), options,
                compare=False)
    summary = res.raw_summary
    return {"model_cost": float(summary["objective_usd"]),
            "spoiled_t": float(summary.get("spoiled_t", np.nan)),
            "verified": bool(res.verification["ok"].all()), "backlog": res.tables["backlog"],
            "run": res}
