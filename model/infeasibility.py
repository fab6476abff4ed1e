"""Why a scenario is infeasible, in words, from HiGHS's irreducible infeasible subsystem (IIS).

With the soft slacks of :mod:`borderflow.model.formulation` (unserved and expired tonnes at
their value) every scenario is feasible; a hard requirement such as ``must_deliver: [durian]``
can make it infeasible. HiGHS then returns an IIS: a smallest set of rows and bounds that
cannot hold together. Each member is mapped back to what it stands for — an origin's supply
that must leave, a closed gate (a variable bound at 0), a full gate (a capacity row), a market
that can take no more, a queue whose cargo would outlive its shelf life — and the set is told as
one sentence::

    infeasible: durian from Tien Giang (1,234 t/day on 2024-01-01) cannot be delivered in
    full: every route to a market within its 14-day shelf life crosses a closed gate
    (huu-nghi-youyiguan, kim-thanh-hekou)

The mapping reads only the model's index tables (:class:`~borderflow.model.formulation.
BuiltModel`), never the constraint expressions.
"""

from __future__ import annotations

import pandas as pd

from .formulation import CROSS_KEYS, BuiltModel
from .network import FreightNetwork

#: members listed per kind of cause at most (the sentence stays readable)
MAX_LISTED = 6


def _rows(iis: pd.DataFrame, component: str) -> list[int]:
    return sorted(int(i) for i in iis.loc[iis["component"] == component, "index"])


def _listed(items: list[str]) -> str:
    more = len(items) - MAX_LISTED
    return ", ".join(items[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")


def _when(net: FreightNetwork, periods) -> str:
    if not net.dated:
        return ""
    dates = sorted(net.periods.set_index("period").loc[sorted(set(periods)), "label"])
    return f"on {dates[0]}" if len(dates) == 1 else f"on {len(dates)} days, {dates[0]} to " \
                                                      f"{dates[-1]}"


def _origins(iis: pd.DataFrame, built: BuiltModel, net: FreightNetwork) -> list[str]:
    """'durian from Tien Giang (1,234 t/day on ...)' for each origin and product held to its
    supply."""
    u = built.unserved.iloc[_rows(iis, "supply_balance")]
    names = dict(zip(net.nodes["node_id"], net.nodes["name"]))
    out = []
    for (origin, product), g in u.groupby(["origin", "product_id"], sort=True):
        t_per_day = g["supply_t"].mean()
        when = _when(net, g["period"])
        out.append(f"{net.products.loc[product, 'name'].lower()} from "
                   f"{names.get(origin, origin)} ({t_per_day:,.0f} t/day{' ' if when else ''}"
                   f"{when})")
    return out


def _closed(iis: pd.DataFrame, built: BuiltModel) -> list[str]:
    """Crossings whose closure (a variable bounded at 0) is part of the IIS."""
    cols = iis[(iis["kind"] == "column") & iis["component"].isin(["route_flow", "departures"])
               & iis["bound"].isin(["upper", "boxed"])]
    if cols.empty:
        return []
    use = built.crossing_use.merge(cols.rename(columns={"component": "var", "index": "idx"}),
                                   on=["var", "idx"])
    shut = built.capacity_rows[built.capacity_rows["capacity_trucks_per_day"] <= 0]
    return sorted(use.merge(shut, on=CROSS_KEYS)["crossing_id"].unique())


def _full(iis: pd.DataFrame, built: BuiltModel) -> list[str]:
    """Open crossings whose capacity row is part of the IIS, with their capacity."""
    rows = built.capacity_rows.iloc[_rows(iis, "crossing_capacity")]
    rows = rows[rows["capacity_trucks_per_day"] > 0]
    out = []
    for (cid, direction), g in rows.groupby(["crossing_id", "direction"], sort=True):
        out.append(f"{cid} {direction} at {g['capacity_trucks_per_day'].max():,.0f} trucks/day")
    return out


def _markets(iis: pd.DataFrame, built: BuiltModel, net: FreightNetwork) -> list[str]:
    rows = built.demand_rows.iloc[_rows(iis, "market_demand")]
    names = dict(zip(net.nodes["node_id"], net.nodes["name"]))
    return [f"{names.get(m, m)} takes at most {g['demand_t'].max():,.0f} t/day of {p}"
            for (m, p), g in rows.groupby(["market", "product_id"], sort=True)]


def _queues(iis: pd.DataFrame, built: BuiltModel) -> list[str]:
    if not built.dated:
        return []
    members = iis[iis["component"].isin(["queue_age", "queue_expiry", "expired"])]
    q = built.queues.iloc[sorted(int(i) for i in members["index"])]
    return sorted(f"{cid} ({p})" for cid, p in
                  q[["crossing_id", "product_id"]].drop_duplicates().itertuples(index=False))


def _shelf_life(built: BuiltModel, net: FreightNetwork, iis: pd.DataFrame) -> str:
    products = built.unserved.iloc[_rows(iis, "supply_balance")]["product_id"].unique()
    days = sorted({net.products.loc[p, "shelf_life_h"] / 24.0 for p in products})
    if len(days) != 1:
        return "within their shelf lives"
    return f"within its {days[0]:g}-day shelf life"


def explain_infeasibility(iis: pd.DataFrame | None, built: BuiltModel,
                          net: FreightNetwork) -> str:
    """One sentence saying why the scenario is infeasible.

    Parameters
    ----------
    iis : DataFrame or None
        :meth:`borderflow.solvers.highs.HighsSession.iis` of the infeasible solve.
    built, net : the model's index tables and the scenario's network.

    Returns
    -------
    str
        ``"infeasible: <what must happen> cannot ...: <causes>"``; a generic sentence naming
        the hard requirements when HiGHS found no IIS.
    """
    required = ", ".join(net.scenario.must_deliver) or "none"
    if iis is None or iis.empty:
        return (f"infeasible: no routing meets every hard requirement (must deliver: "
                f"{required}); HiGHS found no irreducible subsystem to say which part fails")
    origins = _origins(iis, built, net)
    what = _listed(origins) if origins else f"the required deliveries ({required})"
    causes = []
    closed, full = _closed(iis, built), _full(iis, built)
    if closed:
        causes.append(f"a closed gate ({_listed(closed)})")
    if full:
        causes.append(f"{'a full one' if closed else 'a full gate'} ({_listed(full)})")
    markets, queues = _markets(iis, built, net), _queues(iis, built)
    tail = []
    if markets:
        tail.append(f"markets cannot take more: {_listed(markets)}")
    if queues:
        tail.append(f"trucks queued at {_listed(queues)} would outlive the shelf life")
    shelf = _shelf_life(built, net, iis) if origins else ""
    if causes:
        sentence = f"every route to a market {shelf} crosses " + " or ".join(causes)
    elif tail:
        sentence = "; ".join(tail)
        tail = []
    else:
        sentence = f"no route reaches a market {shelf} (route durations and licences allow none)"
    extra = f"; {'; '.join(tail)}" if tail else ""
    return f"infeasible: {what} cannot be delivered in full: {sentence.strip()}{extra}"
