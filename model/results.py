"""Solved model -> tidy result tables (pandas), named columns with units, inputs untouched.

Tables (one row per ...):

- ``route_flows``: route, product, period with flow (t/day, trucks/day), cost, revenue, duration;
- ``flows``: arc (link direction or crossing direction), product, period;
- ``crossings``: crossing, direction, period, with flow, capacity, utilisation and the dual
  value of capacity (USD per extra truck/day);
- ``unserved``: origin, product, period: supply, shipped, unserved and spoiled tonnes;
- ``products``: product totals.

Amounts are per period: t/day for each day of a dated horizon, or for the representative day of a
static run. Summary totals add periods up (tonnes over the horizon, or per representative day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .formulation import BuiltModel
from .network import DIRECTIONS, FreightNetwork
from .routes import RouteSet

#: flows below this (t/day) are solver noise and left out of the tables
FLOW_TOL_T = 1e-7


@dataclass
class ResultTables:
    """The tidy result tables of one solved scenario, and its summary."""

    summary: dict
    route_flows: pd.DataFrame
    flows: pd.DataFrame
    crossings: pd.DataFrame
    unserved: pd.DataFrame
    products: pd.DataFrame

    TABLES = ("route_flows", "flows", "crossings", "unserved", "products")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Name -> DataFrame of every result table."""
        return {name: getattr(self, name) for name in self.TABLES}


def _values(var, n: int) -> np.ndarray:
    return np.array([pyo.value(var[i], exception=False) or 0.0 for i in range(n)], dtype=float)


def _route_flows(built: BuiltModel, routes: RouteSet) -> pd.DataFrame:
    f = built.flows.copy()
    f["flow_t"] = _values(built.model.route_flow, len(f))
    f = f[f["flow_t"] > FLOW_TOL_T].copy()
    f["trucks_per_day"] = f["flow_t"] / f["payload_t_per_truck"]
    f["cost_usd"] = f["flow_t"] * f["cost_usd_per_t"]
    f["revenue_usd"] = f["flow_t"] * f["price_usd_per_t"]
    info = routes.routes[["route_id", "crossings", "variant", "length_km"]]
    f = f.merge(info, on="route_id", how="left")
    cols = ["route_id", "product_id", "origin", "market", "crossings", "variant", "period",
            "flow_t", "trucks_per_day", "duration_h", "length_km", "cost_usd_per_t", "cost_usd",
            "price_usd_per_t", "revenue_usd"]
    return f[cols].sort_values(["product_id", "route_id", "period"], kind="stable",
                               ignore_index=True)


def _arc_flows(net: FreightNetwork, route_flows: pd.DataFrame, routes: RouteSet) -> pd.DataFrame:
    ra = routes.route_arcs[["route_id", "arc_id"]]
    af = route_flows[["route_id", "product_id", "period", "flow_t", "trucks_per_day"]].merge(
        ra, on="route_id")
    af = af.groupby(["arc_id", "product_id", "period"], as_index=False)[
        ["flow_t", "trucks_per_day"]].sum()
    arcs = net.arcs[["arc_id", "kind", "element_id", "direction", "from_node", "to_node", "mode",
                     "length_km", "cost_usd_per_truck"]]
    af = af.merge(arcs, on="arc_id", how="left")
    factor = net.products.loc[af["product_id"], "cost_factor"].to_numpy()
    is_link = (af["kind"] == "link").to_numpy()
    af["cost_usd"] = af["trucks_per_day"] * af["cost_usd_per_truck"] * np.where(is_link, factor,
                                                                                 1.0)
    cols = ["arc_id", "kind", "element_id", "direction", "from_node", "to_node", "mode",
            "product_id", "period", "flow_t", "trucks_per_day", "length_km", "cost_usd"]
    return af[cols].sort_values(["arc_id", "product_id", "period"], kind="stable",
                                ignore_index=True)


def _crossing_table(net: FreightNetwork, built: BuiltModel, arc_flows: pd.DataFrame) -> pd.DataFrame:
    cap = net.capacity.copy()
    used = arc_flows[arc_flows["kind"] == "crossing"].groupby(
        ["element_id", "direction", "period"], as_index=False)[["flow_t", "trucks_per_day"]].sum()
    used = used.rename(columns={"element_id": "crossing_id", "trucks_per_day": "flow_trucks"})
    out = cap.merge(used, on=["crossing_id", "direction", "period"], how="left")
    out[["flow_t", "flow_trucks"]] = out[["flow_t", "flow_trucks"]].fillna(0.0)
    rows = built.capacity_rows
    duals = np.zeros(len(rows))
    m = built.model
    if len(rows):
        duals = np.array([m.dual.get(m.crossing_capacity[k], 0.0) for k in range(len(rows))])
    dual = rows[["crossing_id", "direction", "period"]].assign(
        dual_usd_per_truck=-duals + 0.0)
    out = out.merge(dual, on=["crossing_id", "direction", "period"], how="left")
    out["dual_usd_per_truck"] = out["dual_usd_per_truck"].fillna(0.0).clip(lower=0.0)
    cap_v = out["capacity_trucks_per_day"].to_numpy()
    out["utilisation"] = np.divide(out["flow_trucks"].to_numpy(), cap_v,
                                   out=np.zeros(len(out)), where=cap_v > 0)
    meta = net.tables.crossings[["crossing_id", "name", "country_a", "country_b", "mode",
                                 "status"]]
    out = out.merge(meta, on="crossing_id", how="left")
    a_to_b = out["direction"] == DIRECTIONS[0]
    out["from_country"] = np.where(a_to_b, out["country_a"], out["country_b"])
    out["to_country"] = np.where(a_to_b, out["country_b"], out["country_a"])
    out["available"] = out["capacity_trucks_per_day"] > 0
    cols = ["crossing_id", "name", "direction", "from_country", "to_country", "mode", "status",
            "period", "available", "capacity_trucks_per_day", "flow_trucks", "flow_t",
            "utilisation", "dual_usd_per_truck"]
    return out[cols].sort_values(["crossing_id", "direction", "period"], kind="stable",
                                 ignore_index=True)


def _unserved_table(built: BuiltModel, route_flows: pd.DataFrame) -> pd.DataFrame:
    u = built.unserved.copy()
    u["unserved_t"] = _values(built.model.unserved, len(u)).clip(min=0.0)
    shipped = route_flows.groupby(["origin", "product_id", "period"], as_index=False)["flow_t"] \
        .sum().rename(columns={"flow_t": "shipped_t"})
    u = u.merge(shipped, on=["origin", "product_id", "period"], how="left")
    u["shipped_t"] = u["shipped_t"].fillna(0.0)
    u["spoiled_t"] = np.where(u["perishable"], u["unserved_t"], 0.0)
    u["lost_value_usd"] = u["unserved_t"] * u["penalty_usd_per_t"]
    cols = ["origin", "product_id", "period", "supply_t", "shipped_t", "unserved_t", "spoiled_t",
            "lost_value_usd"]
    return u[cols].sort_values(["origin", "product_id", "period"], kind="stable",
                               ignore_index=True)


def _product_table(unserved: pd.DataFrame, route_flows: pd.DataFrame) -> pd.DataFrame:
    p = unserved.groupby("product_id", as_index=False)[
        ["supply_t", "shipped_t", "unserved_t", "spoiled_t", "lost_value_usd"]].sum()
    money = route_flows.groupby("product_id", as_index=False)[
        ["trucks_per_day", "cost_usd", "revenue_usd"]].sum().rename(
        columns={"trucks_per_day": "trucks", "cost_usd": "transport_cost_usd"})
    p = p.merge(money, on="product_id", how="left").fillna(
        {"trucks": 0.0, "transport_cost_usd": 0.0, "revenue_usd": 0.0})
    return p.sort_values("product_id", kind="stable", ignore_index=True)


def extract_results(net: FreightNetwork, routes: RouteSet, built: BuiltModel,
                    solve_summary: dict) -> ResultTables:
    """Read the solved model into tidy tables and a summary.

    Parameters
    ----------
    net, routes, built
        The network, route set and built model that were solved.
    solve_summary : dict
        The solver's summary (:meth:`SolveSummary.as_dict`); must be optimal.

    Returns
    -------
    ResultTables
    """
    route_flows = _route_flows(built, routes)
    flows = _arc_flows(net, route_flows, routes)
    crossings = _crossing_table(net, built, flows)
    unserved = _unserved_table(built, route_flows)
    products = _product_table(unserved, route_flows)
    m = built.model
    summary = {
        "scenario": net.scenario.name,
        "status": solve_summary["status"],
        "objective_usd": float(pyo.value(m.objective)),
        "transport_cost_usd": float(route_flows["cost_usd"].sum()),
        "revenue_usd": float(route_flows["revenue_usd"].sum()),
        "lost_value_usd": float(unserved["lost_value_usd"].sum()),
        "supply_t": float(unserved["supply_t"].sum()),
        "shipped_t": float(unserved["shipped_t"].sum()),
        "unserved_t": float(unserved["unserved_t"].sum()),
        "spoiled_t": float(unserved["spoiled_t"].sum()),
        "trucks": float(route_flows["trucks_per_day"].sum()),
        "periods": int(len(net.periods)),
        "period_label": str(net.periods["label"].iloc[0]) if len(net.periods) == 1 else
        f"{net.periods['label'].iloc[0]} to {net.periods['label'].iloc[-1]}",
        "units": "tonnes and trucks per period (a day); money in USD over the periods",
        "solver": solve_summary["solver"],
        "solve_seconds": solve_summary["solve_seconds"],
        "translate_seconds": solve_summary["translate_seconds"],
        "iterations": solve_summary["iterations"],
        "variables": solve_summary["variables"],
        "constraints": solve_summary["constraints"],
        "routes": routes.stats,
    }
    return ResultTables(summary=summary, route_flows=route_flows, flows=flows,
                        crossings=crossings, unserved=unserved, products=products)
