"""The tables a command shows, built once for the terminal and for ``--json``.

A :class:`View` is a named table with a title that says its scope, its columns (a key for
scripts, a header for people, a unit and whether it is a signed change) and its rows. The
terminal prints :meth:`View.cells` (numbers rounded by unit, ``VN→CN`` directions, display names
beside ids, ``closed`` where a gate never opened); ``--json`` puts :meth:`View.table` (the same
rows, full precision, units named) into the envelope. Conventions: ``docs/outputs.md``.

This module holds the views of a run, a comparison, a verification and the dataset;
:mod:`borderflow.present.sweep_views` those of sweeps and robust plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from borderflow.present.envelope import FILE_CHECKS
from borderflow.present.envelope import table as json_table
from borderflow.present.names import (
    CLOSED,
    Names,
    add_names,
    capacity_value,
    label_directions,
    measure_name,
    short_name,
)
from borderflow.present.numbers import Horizon, fmt, net_value


@dataclass(frozen=True)
class Column:
    """One column of a view.

    Attributes
    ----------
    key : str
        Name in ``--json`` (rows are records keyed by it).
    header : str
        Header in the terminal (says the unit, or the sign convention of a change).
    unit : str
        Unit of :data:`borderflow.present.numbers.DECIMALS` (``""``: text).
    signed : bool
        A change: shown with its sign.
    missing : str
        Shown for an empty value (``closed`` for the value of capacity of a closed gate).
    unit_column : str
        Column of the view holding each row's unit, for a column whose rows differ in unit
        (a measure table; a sweep mixing static and dated scenarios).
    shown : bool
        Shown in the terminal (False: in ``--json`` only, e.g. a measure's key).
    """

    key: str
    header: str
    unit: str = ""
    signed: bool = False
    missing: str = ""
    unit_column: str = ""
    shown: bool = True


@dataclass
class View:
    """A table to show: name (its key in ``--json``), title, columns, rows, notes.

    ``notes`` are sentences printed under the table that explain what a reader would ask
    (why a cost is 0, what a sign means).
    """

    name: str
    title: str
    columns: list[Column]
    rows: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when there is no row to show."""
        return self.rows.empty

    def table(self) -> dict:
        """The ``--json`` table (:func:`borderflow.present.envelope.table`)."""
        keys = [c.key for c in self.columns]
        units = {c.key: c.unit for c in self.columns if c.unit and not c.unit_column}
        return json_table(self.rows[keys] if len(self.rows) else pd.DataFrame(columns=keys),
                          units, self.title)

    @property
    def shown(self) -> list[Column]:
        """The columns the terminal shows."""
        return [c for c in self.columns if c.shown]

    def cells(self) -> list[list[str]]:
        """The rows as the terminal shows them (the :attr:`shown` columns)."""
        cols = self.shown
        return [[_cell(rec.get(c.key), c, rec) for c in cols]
                for rec in self.rows.to_dict(orient="records")]


def _cell(v, c: Column, rec: dict) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return c.missing
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    unit = rec.get(c.unit_column, "") if c.unit_column else c.unit
    if isinstance(v, str) or not unit:
        return str(v)
    return fmt(float(v), unit, sign=c.signed, with_unit=False)


def tables(views: Iterable[View]) -> dict[str, dict]:
    """The ``tables`` entry of an envelope from views (empty ones included, as no rows)."""
    return {v.name: v.table() for v in views}


# --------------------------------------------------------------------------- a run

def measures_view(summary: Mapping, horizon: Horizon) -> View:
    """The key figures of a run: net value (revenue minus costs) first, then revenue, the
    costs and their parts, tonnes and trucks; per day for a static run, over the horizon for a
    dated one."""
    nv = net_value(summary)
    money = horizon.total_unit("USD")
    rows = [("net value (revenue minus costs)", "net_value_usd", nv.net_value_usd, money),
            ("market revenue", "revenue_usd", nv.revenue_usd, money),
            ("costs", "cost_usd", nv.cost_usd, money)]
    for key, part in (("transport_cost_usd", "transport"), ("waiting_cost_usd", "waiting"),
                      ("lost_value_usd", "value not shipped")):
        if key in summary and (horizon.dated or key != "waiting_cost_usd"):
            rows.append((f"  {measure_name(key)}", key, nv.parts[part], money))
    if abs(nv.parts["other"]) >= 0.5:
        rows.append(("  other costs", "other_cost_usd", nv.parts["other"], money))
    for key in ("supply_t", "shipped_t", "unserved_t", "spoiled_t", "expired_in_queue_t"):
        if key in summary and (horizon.dated or key != "expired_in_queue_t"):
            rows.append((measure_name(key), key, float(summary[key]), horizon.total_unit("t")))
    rows.append(("trucks", "trucks", float(summary["trucks"]), horizon.total_unit("trucks")))
    if summary.get("value_of_foresight_usd") is not None:  # a realistic dispatch
        rows.append(("value of foresight (cost of not knowing)", "value_of_foresight_usd",
                     float(summary["value_of_foresight_usd"]), money))
    lanes = summary.get("class_fifo") or {}
    if lanes.get("out_of_order_t", 0.0) >= 0.05:  # the LP's gates jump the queue across goods
        rows += [("cleared out of arrival order (across goods)", "class_fifo_out_of_order_t",
                  float(lanes["out_of_order_t"]), horizon.total_unit("t")),
                 (_replay_label(float(lanes["gap_usd"]), lanes.get("feasible", True)),
                  "class_fifo_gap_usd", float(lanes["gap_usd"]), money)]
    df = pd.DataFrame(rows, columns=["measure", "measure_id", "value", "unit"])
    what = "per day" if not horizon.dated else horizon.scope
    status = summary.get("optimality") or summary.get("status", "")
    if summary.get("dispatch") == "realistic":  # a policy, never called optimal
        status = "realistic dispatch (a policy simulation on the calendar as announced, not an "\
                 "optimum)"
    elif summary.get("exact") is False:  # never call a rolling approximation optimal
        status = "rolling-horizon approximation (limited foresight, not the optimum)"
    return View("measures", f"{summary.get('scenario', 'run')}: {status}, "
                            f"{horizon.label}; amounts {what}",
                [Column("measure", "measure"), Column("value", "value", unit_column="unit"),
                 Column("unit", "unit"), Column("measure_id", "key", shown=False)], df,
                _overlap_note(summary, horizon))


def _replay_label(gap_usd: float, feasible: bool) -> str:
    """The key-figure label of the first-come-first-served replay's cost difference
    (replay minus this run, USD): "costs more by" for a gap of at least 0 (an optimum's
    replay can only cost more: a bound), "differs by" for a negative one, which only a
    policy simulation (realistic dispatch, not an optimum) can show: the signed value then
    says the replay is cheaper, never "costs more by" a negative amount."""
    what = ("first come, first served replay costs more by" if gap_usd >= 0 else
            "first come, first served replay differs by (negative: the replay is cheaper; "
            "this run is a policy, not an optimum)")
    return what + (" (a bound)" if feasible and gap_usd >= 0 else
                   "" if feasible else " (breaks market demand)")


def _overlap_note(summary: Mapping, horizon: Horizon) -> list[str]:
    """The note under the key figures of a dated run that wrote cargo off at a gate: its
    ``spoiled`` and ``expired waiting at gates`` rows overlap (the perishables written off in
    a queue are in both), so they are never added (docs/validation.md)."""
    expired = float(summary.get("expired_in_queue_t") or 0.0)
    if not horizon.dated or expired < 0.5:
        return []
    return ["'expired waiting at gates' counts every good written off in a queue; the "
            "perishables among them are also in 'spoiled' (with what spoiled unshipped at "
            "origins): the two overlap, do not add them"]


def _crossing_days(crossings: pd.DataFrame, horizon: Horizon) -> pd.DataFrame:
    """Per crossing and direction: trucks/day (mean over the run's days), capacity and
    utilisation over open days, and the value of capacity over open days."""
    n = horizon.periods if horizon.dated else 1
    cr = crossings.assign(open=(crossings["capacity_trucks_per_day"].astype(float) > 0)
                          & crossings["available"].astype(bool))
    cr["cap_open"] = cr["capacity_trucks_per_day"].where(cr["open"])
    cr["flow_open"] = cr["flow_trucks"].where(cr["open"], 0.0)
    g = cr.groupby(["crossing_id", "direction"], as_index=False, sort=True).agg(
        name=("name", "first"), from_country=("from_country", "first"),
        to_country=("to_country", "first"), trucks=("flow_trucks", "sum"),
        flow_open=("flow_open", "sum"), capacity=("cap_open", "mean"),
        cap_sum=("cap_open", "sum"))
    g["trucks"] = g["trucks"] / n
    g["utilisation"] = np.where(g["cap_sum"] > 0, g["flow_open"] / g["cap_sum"].where(
        g["cap_sum"] > 0), np.nan)
    g = g.merge(capacity_value(crossings), on=["crossing_id", "direction"])
    return label_directions(g)


def busiest_view(crossings: pd.DataFrame, horizon: Horizon, top: int = 15) -> View:
    """The busiest crossings: trucks per day, capacity, utilisation and the value of one more
    truck of capacity per day (the dual, mean over open days; ``closed`` if never open)."""
    g = _crossing_days(crossings, horizon)
    g = g[g["trucks"] > 0.05].sort_values(["trucks", "crossing_id", "direction"],
                                          ascending=[False, True, True], kind="stable")
    g = g.head(top).assign(name=lambda d: [short_name(n) for n in d["name"]])
    g = g.rename(columns={"name": "crossing", "trucks": "trucks_per_day",
                                    "capacity": "capacity_trucks_per_day",
                                    "value_usd_per_truck": "value_usd_per_extra_truck"})
    cols = [Column("crossing", "crossing"), Column("crossing_id", "id"), Column("dir", "dir"),
            Column("trucks_per_day", "trucks/day", "trucks/day"),
            Column("capacity_trucks_per_day", "capacity/day", "trucks/day", missing=CLOSED),
            Column("utilisation", "util.", "share"),
            Column("value_usd_per_extra_truck", "USD per extra truck", "USD/truck",
                   missing=CLOSED)]
    if horizon.dated:
        cols.append(Column("closed_days", "days closed", "count"))
        title = (f"busiest crossings, daily means over the {horizon.periods:,} days "
                 "(capacity, utilisation and value of capacity over open days)")
    else:
        title = "busiest crossings, trucks per day"
    notes = [("USD per extra truck: what one more truck of capacity per day would save "
              "(the capacity row's dual); 0 where the gate has room")]
    return View("busiest_crossings", title, cols, g.reset_index(drop=True), notes)


def crossing_changes_view(diff: Mapping[str, pd.DataFrame], horizon: Horizon) -> View:
    """Trucks per day by crossing and direction, baseline and scenario, and the change: the
    crossings whose flow changed and those the scenario closed (a note counts the others)."""
    c = label_directions(diff["crossing_changes"])
    n = horizon.periods if horizon.dated else 1
    for col in ("before_trucks", "after_trucks", "delta_trucks"):
        c[col] = c[col].astype(float) / n
    c["state"] = np.where(c["open_after"].astype(bool), "",
                          "closed" if not horizon.dated else "closed on some days")
    moved = (c["delta_trucks"].abs() >= 0.05) | ~c["open_after"].astype(bool)
    same = int((~moved).sum())
    c = c[moved]
    c = c.assign(name=[short_name(n) for n in c["name"]]).rename(columns={"name": "crossing"})
    per = "trucks per day" if not horizon.dated else \
        f"trucks per day (mean over the {horizon.periods:,} days)"
    return View("crossing_changes", f"flow by crossing, {per}",
                [Column("crossing", "crossing"), Column("crossing_id", "id"),
                 Column("dir", "dir"), Column("state", "in the scenario"),
                 Column("before_trucks", "baseline", "trucks/day"),
                 Column("after_trucks", "scenario", "trucks/day"),
                 Column("delta_trucks", "change, scenario minus baseline", "trucks/day",
                        signed=True)], c.reset_index(drop=True),
                [(f"{same} crossings carry the same flow as in the baseline (all rows: "
                 "crossing_changes.csv in the run folder)")] if same else [])


#: rows of the cost table: (key, name, unit before /day)
COST_ROWS = (("net_value_usd", "net value (revenue minus costs)", "USD"),
             ("revenue_usd", "market revenue", "USD"), ("cost_usd", "costs", "USD"),
             ("transport_cost_usd", "  transport cost", "USD"),
             ("waiting_cost_usd", "  waiting cost at gates", "USD"),
             ("lost_value_usd", "  value not shipped", "USD"),
             ("shipped_t", "shipped", "t"), ("unserved_t", "not shipped", "t"),
             ("spoiled_t", "spoiled", "t"), ("expired_in_queue_t", "expired waiting at gates", "t"),
             ("trucks", "trucks", "trucks"))
#: rows of the cost table shown only for a dated run (no queues on a representative day)
DATED_ONLY = ("waiting_cost_usd", "expired_in_queue_t")


def cost_changes_view(diff: Mapping[str, pd.DataFrame], horizon: Horizon) -> View:
    """Net value, revenue, costs and tonnes: baseline, scenario, change (scenario minus
    baseline); net value is revenue minus costs, so a negative change is what was lost."""
    cost = diff["cost_changes"].set_index("measure")
    side = {s: cost[s].astype(float).to_dict() for s in ("before", "after")}
    for s in side.values():
        s["net_value_usd"] = -s["objective_usd"]
        s["cost_usd"] = s["revenue_usd"] + s["objective_usd"]
    rows = [{"measure": name, "measure_id": key, "unit": horizon.total_unit(unit),
             "baseline": side["before"][key], "scenario": side["after"][key],
             "change": side["after"][key] - side["before"][key]}
            for key, name, unit in COST_ROWS
            if key in side["before"] and (horizon.dated or key not in DATED_ONLY)]
    what = "per day" if not horizon.dated else horizon.scope
    return View("cost_changes", f"value, costs and losses, {what}",
                [Column("measure", "measure"), Column("unit", "unit"),
                 Column("baseline", "baseline", unit_column="unit"),
                 Column("scenario", "scenario", unit_column="unit"),
                 Column("change", "change, scenario minus baseline", signed=True,
                        unit_column="unit"),
                 Column("measure_id", "key", shown=False)], pd.DataFrame(rows),
                [("a negative change in net value is what the disruption costs; a positive "
                  "change in costs or tonnes not shipped is a loss")])


def product_changes_view(diff: Mapping[str, pd.DataFrame], horizon: Horizon,
                         names: Names | None = None) -> View:
    """Per product whose tonnes moved: shipped change, not shipped and spoiled in the baseline
    and the scenario (t per day, or over the horizon)."""
    p = diff["product_changes"].copy()
    moved = p[["shipped_t_delta", "unserved_t_before", "unserved_t_after", "spoiled_t_before",
               "spoiled_t_after"]].abs().max(axis=1) >= 0.5
    p = add_names(p[moved], "product_id", (names or Names()).products, "product")
    unit = horizon.total_unit("t")
    what = "t per day" if not horizon.dated else f"t {horizon.scope}"
    return View("product_changes", f"products whose tonnes changed, {what}",
                [Column("product", "product"), Column("product_id", "id"),
                 Column("shipped_t_delta", "shipped, change", unit, signed=True),
                 Column("unserved_t_before", "not shipped, baseline", unit),
                 Column("unserved_t_after", "not shipped, scenario", unit),
                 Column("spoiled_t_before", "spoiled, baseline", unit),
                 Column("spoiled_t_after", "spoiled, scenario", unit)],
                p.reset_index(drop=True))


def run_views(summary: Mapping, crossings: pd.DataFrame, horizon: Horizon,
              diff: Mapping[str, pd.DataFrame] | None = None, names: Names | None = None,
              top: int = 15) -> list[View]:
    """Every view of a solved run: the key figures and busiest crossings, and with a
    comparison the changes by crossing, in cost and per product."""
    views = [measures_view(summary, horizon), busiest_view(crossings, horizon, top)]
    if diff:
        views += [crossing_changes_view(diff, horizon), cost_changes_view(diff, horizon),
                  product_changes_view(diff, horizon, names)]
    return views


# --------------------------------------------------------------------------- verification

def split_report(report: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The checks of the solution and the checks of the run folder's files (input checksums,
    tables present), so ``solve`` and ``verify`` count the solution's checks alike."""
    files = report["check"].isin(FILE_CHECKS)
    return report[~files], report[files]


def verification_views(report: pd.DataFrame, by_check: pd.DataFrame, show: int) -> list[View]:
    """One row per check (entities, violations, worst amount), and the largest violations."""
    bc = by_check.copy()
    views = [View("checks", "independent checks", [
        Column("check", "check"), Column("entities", "entities", "count"),
        Column("violations", "violations", "count"), Column("worst", "worst amount"),
        Column("unit", "unit")], bc.assign(worst=[f"{w:.3g}" for w in bc["worst"]]))]
    bad = report[~report["ok"].astype(bool)].sort_values("amount", ascending=False,
                                                         kind="stable")
    views.append(View("violations", f"violations (largest {min(show, len(bad))} of "
                                    f"{len(bad):,})",
                      [Column("check", "check"), Column("entity", "entity"),
                       Column("amount", "amount"), Column("unit", "unit"),
                       Column("tolerance", "tolerance")],
                      bad.head(show).assign(amount=[f"{a:.6g}" for a in bad.head(show)["amount"]],
                                            tolerance=[f"{t:.2g}" for t in
                                                       bad.head(show)["tolerance"]])))
    return views


# --------------------------------------------------------------------------- the dataset

def dataset_views(summary: Mapping[str, Mapping]) -> list[View]:
    """``data check``: one two-column table per section of the dataset summary."""
    views = []
    for title, rows in summary.items():
        df = pd.DataFrame({"item": [str(k) for k in rows], "count": [str(v) for v in
                                                                     rows.values()]})
        views.append(View(title.replace(" ", "_"), title,
                          [Column("item", ""), Column("count", "count")], df))
    return views


#: ``data list`` kind -> (dataset table, id column)
LISTS = {"crossings": ("crossings", "crossing_id"), "products": ("products", "product_id"),
         "places": ("nodes", "node_id"), "groups": (None, "group")}


def list_view(kind: str, tables, country: str | None = None) -> View:
    """``data list crossings|products|places|groups``: ids and names, and what one needs to
    pick one (countries, mode, status and capacity of a crossing; category and shelf life of a
    product; kind and country of a place; the crossings of a built-in closure group).

    Parameters
    ----------
    kind : {"crossings", "products", "places", "groups"}
    tables : InputTables
    country : str, optional
        ISO code: crossings on its border, products it supplies, places in it.
    """
    c = (country or "").upper()
    if kind == "crossings":
        df = tables.crossings
        if c:
            df = df[(df["country_a"] == c) | (df["country_b"] == c)]
        df = df.assign(countries=df["country_a"] + "–" + df["country_b"])
        cols = [Column("crossing_id", "id"), Column("name", "name"),
                Column("countries", "countries"), Column("mode", "mode"),
                Column("status", "status"),
                Column("capacity_a_to_b_trucks_per_day", "capacity a→b", "trucks/day"),
                Column("capacity_b_to_a_trucks_per_day", "capacity b→a", "trucks/day")]
    elif kind == "products":
        df = tables.products
        if c:
            supplied = tables.supply.merge(tables.nodes[["node_id", "country"]], on="node_id")
            df = df[df["product_id"].isin(supplied.loc[supplied["country"] == c,
                                                       "product_id"])]
        cols = [Column("product_id", "id"), Column("name", "name"),
                Column("category", "category"), Column("perishable", "perishable"),
                Column("shelf_life_ambient_days", "shelf life", "days")]
    elif kind == "groups":
        from borderflow.data.closure_groups import builtin_groups

        groups = builtin_groups(tables)
        df = pd.DataFrame({"group": list(groups), "n": [len(m) for m in groups.values()],
                           "crossings": [" ".join(m) for m in groups.values()]})
        if c:
            df = df[[c.lower() in g.split("-")[1:] for g in df["group"]]]
        cols = [Column("group", "group"), Column("n", "crossings", "count"),
                Column("crossings", "ids")]
    else:
        df = tables.nodes
        if c:
            df = df[df["country"] == c]
        cols = [Column("node_id", "id"), Column("name", "name"), Column("kind", "kind"),
                Column("country", "country"), Column("admin1", "province")]
    key = LISTS[kind][1]
    df = df.sort_values(key, kind="stable").reset_index(drop=True)
    where = f" in {c}" if c and kind == "places" else f" of {c}" if c else ""
    return View(kind, f"{kind}{where} ({len(df)})", cols, df)
