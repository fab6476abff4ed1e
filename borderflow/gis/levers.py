"""The response levers of a run as a layer (issue 21): which gates got extra capacity, were
opened, licensed a product, or had a quota or a hold, with dates and cost.

One point per lever event of the scenario, at its crossing: ``lever`` (kind), ``detail`` (what
it does, e.g. ``+100 trucks/day a_to_b`` or ``licensed: durian``), ``from_date``/``to_date``,
``cost_usd_day`` and ``cost_src`` (the event's own cost, else ``lever_costs.csv``'s estimate
with its range). A ``respond`` folder's map marks which of its menu's levers were chosen
(``chosen``). Drawn on the HTML map (layer "Response levers") and written to the GeoPackage
(layer ``levers``) whenever the scenario has levers.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from borderflow.data.scenario import (LEVER_EVENTS, ExtraCapacityEvent, HoldDispatchEvent,
                                      LicenseEvent, OpenEvent, SlotQuotaEvent)

from .dictionary import CRS

#: the lever layer's fields, in order
LEVER_FIELDS = ["crossing_id", "name", "lever", "lever_name", "detail", "from_date", "to_date",
                "cost_usd_day", "cost_src", "chosen"]


def describe(ev) -> tuple[str, str]:
    """(kind, what it does) of a lever event."""
    if isinstance(ev, ExtraCapacityEvent):
        return "extra_capacity", f"+{ev.extra_capacity_trucks_per_day:,.0f} trucks/day " \
                                 f"{ev.direction}"
    if isinstance(ev, OpenEvent):
        cap = ev.open.capacity_trucks_per_day
        return "open", ("opened at " + (f"{cap:,.0f} trucks/day" if cap is not None else
                                        "its nominal capacity") + f" {ev.direction}")
    if isinstance(ev, LicenseEvent):
        verb = "licensed" if ev.license.licensed else "licence withdrawn"
        return "license", f"{verb}: {', '.join(ev.license.products)}"
    if isinstance(ev, SlotQuotaEvent):
        who = ", ".join(ev.slot_quota.origins) or "all origins"
        return "slot_quota", f"quota {ev.slot_quota.trucks_per_day:,.0f} trucks/day ({who})"
    assert isinstance(ev, HoldDispatchEvent)
    return "hold_dispatch", f"held at origins ({', '.join(ev.hold_dispatch.origins) or 'all'})"


def lever_table(events, costs: pd.DataFrame, names=None, chosen=None) -> pd.DataFrame:
    """One row per lever event: the fields of :data:`LEVER_FIELDS` but ``name`` (the gate's).

    Parameters
    ----------
    events : iterable
        Scenario events; those that are not levers are skipped.
    costs : DataFrame
        ``lever_costs.csv`` (:func:`borderflow.response_menu.lever_costs`).
    names, chosen : list, optional
        Per lever event, its menu name and whether the menu's best set has it.
    """
    from borderflow.response_menu import KINDS, default_cost

    rows = []
    levers = [ev for ev in events if isinstance(ev, LEVER_EVENTS)]
    for k, ev in enumerate(levers):
        kind, detail = describe(ev)
        if ev.cost_usd_per_day is not None:
            cost, src = float(ev.cost_usd_per_day), "scenario or menu"
        elif type(ev) in KINDS:
            cost, src = default_cost(ev, costs)
        else:
            r = costs[costs["lever"] == kind]
            cost = float(r["value"].iloc[0]) if len(r) else np.nan
            src = (f"lever_costs.csv {kind}: {r['low'].iloc[0]:g}-{r['high'].iloc[0]:g} "
                   f"{r['unit'].iloc[0]}, {r['quality'].iloc[0]}") if len(r) else "none"
        rows.append((ev.crossing, kind, names[k] if names else f"{kind} {k + 1}", detail,
                     str(ev.start or ""), str(ev.end or ""), cost, src,
                     ("yes" if chosen[k] else "no") if chosen is not None else ""))
    return pd.DataFrame(rows, columns=[c for c in LEVER_FIELDS if c != "name"])


def levers_layer(net, events=None, costs: pd.DataFrame | None = None, names=None,
                 chosen=None) -> gpd.GeoDataFrame:
    """The lever points of ``net``'s scenario (or of ``events``), at their crossings."""
    from borderflow.response_menu import lever_costs

    costs = lever_costs(net.tables) if costs is None else costs
    t = lever_table(net.scenario.events if events is None else events, costs, names, chosen)
    cr = net.tables.crossings.set_index("crossing_id")
    t.insert(1, "name", cr["name"].reindex(t["crossing_id"]).astype(str).to_numpy())
    geom = gpd.points_from_xy(cr["lon"].reindex(t["crossing_id"]).astype(float),
                              cr["lat"].reindex(t["crossing_id"]).astype(float))
    return gpd.GeoDataFrame(t[LEVER_FIELDS], geometry=geom, crs=CRS)


def with_levers(run, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """``layers`` plus ``levers`` when the run's scenario has lever events (unchanged
    otherwise)."""
    if not any(isinstance(ev, LEVER_EVENTS) for ev in run.net.scenario.events):
        return layers
    return {**layers, "levers": levers_layer(run.net)}
