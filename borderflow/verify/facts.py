"""What the verifier knows independently of the model: facts recomputed from the input tables.

Arc ends, travel hours, costs per truck, lengths and modes, payloads, shelf lives, licences,
prices and demand are read from the input tables here, never from the model's own tables; only
the calendar of the scenario (capacity, supply and priority of each period) comes from
:func:`borderflow.model.network.build_network`, which applies the scenario's events to the
dataset (docs/model.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from borderflow.data.destinations import share_rules
from borderflow.data.loaders import InputTables
from borderflow.data.parameters import congestion_lane_value, parameter_values
from borderflow.data.scenario import Scenario

from . import terms
from .report import DIRECTIONS


@dataclass
class Facts:
    """What the verifier knows independently of the model: recomputed from the input tables,
    plus the calendar (capacity, supply, priority per period) of the scenario."""

    products: pd.DataFrame   # index product_id: payload_t, perishable, shelf_h, cost_factor, ...
    arcs: pd.DataFrame       # index arc_id: kind, element_id, ends, travel_h, cost, mode, km
    licences: dict           # crossing -> products licensed on some day (None: all)
    markets: pd.DataFrame    # market, product_id, price_usd_per_t, demand_t_per_day
    labels: list
    dated: bool
    capacity: pd.DataFrame
    supply: pd.DataFrame
    priority: pd.DataFrame
    waiting_usd_per_truck_day: float
    empty_share: float
    empty_lag_days: int
    max_wait_days: int
    scenario: Scenario
    crossings: pd.DataFrame  # index crossing_id: name, country_a, country_b, mode, status
    countries: dict = field(default_factory=dict)  # node_id -> country
    #: destination-share rules the static model holds to (borderflow.data.destinations)
    shares: list = field(default_factory=list)
    #: crossings.csv's licences alone (``licences`` adds what license events grant)
    dataset_licences: dict = field(default_factory=dict)
    #: static congestion tiers that clear first come, first served within a lane
    #: (``congestion_fifo`` 1): the cargo value of a truck-hour in a lane; ``None``: the tiers
    #: are shared in the order of each product's value of time
    congestion_lane_usd_per_truck_h: float | None = None
    #: with ``congestion_fifo`` 1, the gates whose lane has its own value of a truck-hour
    #: (``cost_terms.csv`` ``congestion_lane_value``; the others use the one above)
    congestion_lane_by_crossing: dict = field(default_factory=dict)

    def lane_usd_per_truck_h(self, crossing_ids) -> np.ndarray | None:
        """The lane value of a truck-hour (USD) at each of ``crossing_ids`` with
        ``congestion_fifo`` 1; ``None`` when the tiers clear in value-of-time order."""
        if self.congestion_lane_usd_per_truck_h is None:
            return None
        default = float(self.congestion_lane_usd_per_truck_h)
        return np.array([self.congestion_lane_by_crossing.get(str(c), default)
                         for c in crossing_ids], dtype=float)

    @property
    def n_periods(self) -> int:
        """Periods of the run (a dated horizon's run-out tail included)."""
        return len(self.labels)

    def day(self, period) -> np.ndarray:
        """Suffix naming the day of each period in entity names (empty for a static run)."""
        period = np.asarray(period, dtype=np.int64)
        if not self.dated:
            return np.full(len(period), "", dtype=object)
        labels = np.asarray(self.labels, dtype=object)
        inside = (period >= 0) & (period < len(labels))
        return np.where(inside, " @" + labels[np.clip(period, 0, len(labels) - 1)].astype(str),
                        " @day " + period.astype(str))


def input_facts(tables: InputTables, scenario: Scenario, net=None) -> Facts:
    """Facts of the inputs, recomputed from the tables; calendar from ``build_network``.

    Parameters
    ----------
    tables : InputTables
        The inputs the run was solved on.
    scenario : Scenario
        The run's scenario.
    net : FreightNetwork, optional
        The network already built for this scenario (saves building it again).

    Tables read by :func:`borderflow.verify.inputs.read_inputs` (a run folder's dataset) get
    their facts once per dataset content and scenario in a process, a copy per call
    (:func:`~borderflow.verify.inputs.kept_facts`).
    """
    if net is None:
        from .inputs import kept_facts
        return kept_facts(tables, scenario, lambda: _input_facts(tables, scenario, None))
    return _input_facts(tables, scenario, net)


def _input_facts(tables: InputTables, scenario: Scenario, net) -> Facts:
    """:func:`input_facts`, computed."""
    if net is None:
        from borderflow.model.network import build_network
        net = build_network(tables, scenario)
    par = tables.parameter
    p = tables.products.set_index("product_id")
    reefer = p["reefer"].astype(bool).to_numpy()
    products = pd.DataFrame({
        "payload_t": p["payload_t_per_truck"].astype(float),
        "perishable": p["perishable"].astype(bool),
        "shelf_h": 24.0 * np.where(reefer, p["shelf_life_reefer_days"],
                                   p["shelf_life_ambient_days"]).astype(float),
        "cost_factor": np.where(reefer, par("reefer_cost_factor"), 1.0),
        "penalty_usd_per_t": p["value_usd_per_t"].astype(float) * par("unserved_penalty_factor"),
        "vot": terms.value_of_time(tables).reindex(p.index).to_numpy(dtype=float),
    }, index=p.index)
    rows = []
    rate = {mode: par(f"{mode}_cost_usd_per_truck_km") for mode in tables.links["mode"].unique()
            if tables.links.loc[tables.links["mode"] == mode, "cost_usd_per_truck"].isna().any()}
    money = terms.link_money(tables, rate)
    for r in tables.links.itertuples(index=False):
        cost, toll = money[r.link_id]
        rows.append((r.link_id, "link", r.link_id, "forward", r.from_node, r.to_node,
                     float(r.travel_h), cost + toll, r.mode, float(r.length_km), toll))
        if bool(r.bidirectional):
            rows.append((f"{r.link_id}:r", "link", r.link_id, "reverse", r.to_node, r.from_node,
                         float(r.travel_h), cost + toll, r.mode, float(r.length_km), toll))
    licences = {}
    for r in tables.crossings.itertuples(index=False):
        ends = {"a_to_b": (r.node_a, r.node_b), "b_to_a": (r.node_b, r.node_a)}
        enters = {"a_to_b": r.country_b, "b_to_a": r.country_a}
        for d in DIRECTIONS:
            fee = float(r.fee_usd_per_truck) + terms.entry_fee(tables, r.mode, enters[d])
            rows.append((f"{r.crossing_id}:{d}", "crossing", r.crossing_id, d, *ends[d],
                         float(r.dwell_h), fee, r.mode, 0.0, 0.0))
        text = r.licensed_products if isinstance(r.licensed_products, str) else ""
        allowed = frozenset(x.strip() for x in text.split(";") if x.strip())
        licences[r.crossing_id] = allowed or None
    dataset_lic = dict(licences)
    for ev in scenario.events:  # a product licensed on some day may be on a route
        spec = getattr(ev, "license", None)
        if spec is not None and spec.licensed and licences.get(ev.crossing) is not None:
            licences[ev.crossing] = licences[ev.crossing] | frozenset(spec.products)
    arcs = pd.DataFrame(rows, columns=["arc_id", "kind", "element_id", "direction", "from_node",
                                       "to_node", "travel_h", "cost_usd_per_truck", "mode",
                                       "length_km", "toll_usd_per_truck"])
    m = tables.markets
    markets = pd.DataFrame({"market": m["node_id"].astype(str),
                            "product_id": m["product_id"].astype(str),
                            "price_usd_per_t": m["price_usd_per_t"].astype(float),
                            "demand_t_per_day": m["demand_t_per_year"].astype(float) / 365.0})
    return Facts(
        products=products, arcs=arcs.set_index("arc_id"), licences=licences, markets=markets,
        labels=net.periods["label"].astype(str).tolist(), dated=scenario.horizon.start is not None,
        capacity=net.capacity[["crossing_id", "direction", "period",
                               "capacity_trucks_per_day"]].copy(),
        supply=net.supply[["origin", "product_id", "period", "supply_t"]].copy(),
        priority=net.priority.copy(),
        waiting_usd_per_truck_day=par("waiting_cost_usd_per_truck_day"),
        empty_share=par("empty_return_share", 0.0),
        empty_lag_days=int(par("empty_return_days", 0.0)) if scenario.horizon.start else 0,
        max_wait_days=int(net.max_wait_days), scenario=scenario,
        crossings=tables.crossings.set_index("crossing_id")[["name", "country_a", "country_b",
                                                             "mode", "status"]],
        countries=dict(zip(tables.nodes["node_id"].astype(str),
                           tables.nodes["country"].astype(str))),
        shares=share_rules(tables),
        dataset_licences=dataset_lic,
        congestion_lane_usd_per_truck_h=congestion_lane_value(
            parameter_values(tables.parameters)),
        congestion_lane_by_crossing=terms.lane_values(tables))
