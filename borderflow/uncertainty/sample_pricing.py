"""Is a sample's optimum over the kept routes the optimum over every route? Price it.

A kept static model holds the routes enumerated for the scenario plus the columns that column
generation added at the dataset's values (:func:`borderflow.uncertainty.kept.kept_models`): at
the point it is certified. A sample changes costs, fees, hours, payloads, shelf lives, prices,
capacities and supplies, so a route outside the kept set may then be cheaper. After each
sample's warm solve, :class:`SamplePricer` prices every (origin, product) exactly with *that
sample's* duals and numbers (:func:`borderflow.model.pricing.price_static`, the pricing of
column generation): no route prices out -> the sample is ``certified``; otherwise it is a
restricted optimum and the weak-duality bound of
:func:`borderflow.model.column_generation.gap_bound_usd` (sum over pairs of the sample's
supply x the least negative reduced cost) says how much lower the optimum over every route can
be.

The pricing graph and products are those of :func:`borderflow.model.column_generation.
pricing_inputs` with the sample's numbers put in: link running costs and tolls, crossing fees
(transit fees included), link and dwell hours, payloads, cost factors, values of time, shelf
lives and market prices (:meth:`WarmEffects.element_costs`, the arithmetic of the route costs
the model is given). At construction the point's numbers are checked against
``pricing_inputs`` of the kept network: a mismatch raises instead of pricing another model.
Closed directions and the empty-return share are the sample's (a capacity row at 0 closes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from borderflow.data.destinations import share_rules

from borderflow.model.column_generation import (Pricing, gap_bound_usd, pricing_inputs,
                                                read_static_duals, static_dual_keys)
from borderflow.model.network import DIRECTIONS, FreightNetwork
from borderflow.model.pricing import PricingResult, price_static

from .changes import ModelChanges, WarmEffects
from .sample_gates import extra_entry_prices

#: relative tolerance of the pricer's self-check at the point
SELF_CHECK_RTOL = 1e-9


@dataclass
class SampleRouting:
    """How optimal one sample's solution is over every route.

    Attributes
    ----------
    certified : bool
        No route of any (origin, product) has a reduced cost below ``-tolerance``.
    gap_bound_usd : float
        How much lower the optimum over every route can be (USD/day; the tolerance's share
        when certified).
    found : PricingResult
        The pricing pass (its ``columns``: the routes that price out).
    """

    certified: bool
    gap_bound_usd: float
    found: PricingResult


class SamplePricer:
    """Prices a kept static model's solution under one sample (see the module docstring).

    Parameters
    ----------
    effects : WarmEffects
        The kept model's sample -> model map (its index tables are the model's).
    net : FreightNetwork
        The kept model's network (scenario and closures).
    pricing : Pricing
        Tolerance and routes per pair (``columns_per_pair``).

    Raises
    ------
    RuntimeError
        If the point's numbers do not give the pricing inputs of ``net``.
    """

    def __init__(self, effects: WarmEffects, net: FreightNetwork, pricing: Pricing):
        self.effects, self.net, self.pricing = effects, net, pricing
        self.graph, self.products = pricing_inputs(net)
        #: the dataset's destination-share rules (read once)
        self.rules = share_rules(net.tables)
        arcs = net.arcs
        is_link = (arcs["kind"] == "crossing").to_numpy() == 0
        links, crossings = effects.rows_of["links"], effects.rows_of["crossings"]
        n_cross = len(crossings)
        self._link = np.flatnonzero(is_link)
        self._link_row = np.array([links[e] for e in arcs.loc[is_link, "element_id"]],
                                  dtype=np.int64)
        self._cross = np.flatnonzero(~is_link)
        self._cross_row = np.array([crossings[e] for e in arcs.loc[~is_link, "element_id"]],
                                   dtype=np.int64)
        self._fee_row = self._cross_row + n_cross * np.array(
            [DIRECTIONS.index(d) for d in arcs.loc[~is_link, "direction"]], dtype=np.int64)
        markets = effects.rows_of["markets"]
        self._product = [effects.product_ix[p.product_id] for p in self.products]
        self._market = [np.array([markets[f"{m}|{p.product_id}"] for m, _ in p.markets],
                                 dtype=np.int64) for p in self.products]
        b = effects.built
        self._supply_keys = pd.MultiIndex.from_frame(b.unserved[["origin", "product_id"]])
        self._keys = static_dual_keys(b)
        self._cap_keys = list(zip(b.capacity_rows["crossing_id"], b.capacity_rows["direction"]))
        self._self_check()
        #: the last sample's ``(values bytes, arrays, graph, products)``
        self._last: tuple | None = None
        #: the last sample's ``(supply row bounds, supply per pair)``
        self._supply_memo: tuple | None = None

    def sample_inputs(self, values: np.ndarray) -> tuple:
        """``(arrays, graph, products)`` of the sample ``values``: :meth:`WarmEffects.arrays`
        and :meth:`inputs`, kept for the sample's later pricing rounds (made again only when
        the values change)."""
        key = np.ascontiguousarray(values, dtype=float).tobytes()
        if self._last is None or self._last[0] != key:
            arr = self.effects.arrays(values)
            self._last = (key, arr, *self.inputs(arr))
        return self._last[1:]

    def inputs(self, arr: dict) -> tuple:
        """The pricing graph and products at the numbers ``arr`` (:meth:`WarmEffects.arrays`)."""
        e = self.effects
        costs = e.element_costs(arr)
        cost = np.empty(len(self.graph.arc_ids))
        toll = np.zeros(len(self.graph.arc_ids))
        hours = np.empty(len(self.graph.arc_ids))
        cost[self._link] = (costs["running"] + costs["toll"])[self._link_row]
        toll[self._link] = costs["toll"][self._link_row]
        hours[self._link] = arr[("links", "travel_h")][self._link_row]
        cost[self._cross] = costs["fee"][self._fee_row]
        hours[self._cross] = arr[("crossings", "dwell_h")][self._cross_row]
        graph = replace(self.graph, cost_usd_per_truck=cost, toll_usd_per_truck=toll,
                        hours=hours)
        shelf = e.shelf_h(arr)
        price = arr[("markets", "price_usd_per_t")]
        value = arr[("products", "value_usd_per_t")] * e.param(arr, "unserved_penalty_factor",
                                                               1.0)
        products = [replace(p, payload_t_per_truck=float(costs["payload"][i]),
                            cost_factor=float(costs["factor"][i]), shelf_life_h=float(shelf[i]),
                            markets=tuple((m, float(price[j])) for (m, _), j in
                                          zip(p.markets, mk)),
                            penalty_usd_per_t=float(value[i]),
                            vot_usd_per_t_h=float(costs["vot"][i]))
                    for p, i, mk in zip(self.products, self._product, self._market)]
        return graph, products

    def _self_check(self) -> None:
        """The point's numbers must give ``pricing_inputs(net)`` (shelf lives aside: a kept
        model whose eligibility is sampled is built with long ones, :func:`structure_tables`)."""
        graph, products = self.inputs(self.effects.arrays(self.effects.space.point()[0]))
        checks = [("arc costs", graph.cost_usd_per_truck, self.graph.cost_usd_per_truck),
                  ("arc tolls", graph.toll_usd_per_truck, self.graph.toll_usd_per_truck),
                  ("arc hours", graph.hours, self.graph.hours)]
        for field in ("payload_t_per_truck", "cost_factor", "vot_usd_per_t_h"):
            checks.append((field, np.array([getattr(p, field) for p in products]),
                           np.array([getattr(p, field) for p in self.products])))
        checks.append(("market prices", np.array([v for p in products for _, v in p.markets]),
                       np.array([v for p in self.products for _, v in p.markets])))
        for what, got, want in checks:
            if len(got) != len(want) or not np.allclose(got, want, rtol=SELF_CHECK_RTOL,
                                                        atol=1e-9):
                raise RuntimeError(f"the sample pricer's {what} at the dataset's values differ "
                                   "from the pricing inputs of the kept network: "
                                   "borderflow.uncertainty.sample_pricing and "
                                   "borderflow.model.column_generation are out of step")

    def price(self, session, values: np.ndarray, changes: ModelChanges,
              extra: dict | None = None) -> SampleRouting:
        """Price the solution in ``session`` (just solved with ``changes``, the model of the
        sample ``values``) with its duals.

        Parameters
        ----------
        extra : dict, optional
            ``(family, key) -> HiGHS row`` of rows appended for the sample's own columns
            (:func:`borderflow.uncertainty.sample_columns.column_entries`): their duals too.

        Returns
        -------
        SampleRouting
        """
        e = self.effects
        arr, graph, products = self.sample_inputs(values)
        cap = changes.rows["crossing_capacity"][1]
        closed = frozenset(k for k, c in zip(self._cap_keys, cap) if c <= 0)
        duals = replace(read_static_duals(session, e.built, self.net, self.rules, self._keys),
                        closed=closed,
                        empty_return_share=e.param(arr, "empty_return_share"))
        if extra:
            duals = self._extra_duals(session, duals, extra)
        found = price_static(graph, products, duals, max_columns=self.pricing.columns_per_pair,
                             tolerance=self.pricing.tolerance_usd_per_t, exact_minimum=False)
        _, gap = gap_bound_usd(found, None, self._supply(changes))
        return SampleRouting(certified=found.columns.empty, gap_bound_usd=gap, found=found)


    def _supply(self, changes: ModelChanges) -> dict:
        """The sample's supply per ``(origin, product_id)`` (t/day), summed over its rows;
        kept for the sample's later pricing rounds."""
        up = np.asarray(changes.rows["supply_balance"][1], dtype=float)
        if self._supply_memo is None or self._supply_memo[0] != up.tobytes():
            supply = pd.Series(up, index=self._supply_keys).groupby(level=[0, 1]).sum()
            self._supply_memo = (up.tobytes(), supply.to_dict())
        return self._supply_memo[1]

    def _extra_duals(self, session, duals, extra: dict):
        """``duals`` with the duals of rows appended to HiGHS (as
        :func:`~borderflow.model.column_generation.read_static_duals` reads the others; link
        and gate-entry rows as gate prices, :func:`~borderflow.uncertainty.sample_gates.
        extra_entry_prices`; a tier row's dual reaches pricing through its link row's)."""
        y = np.asarray(session.highs.getSolution().row_dual, dtype=float)
        b = self.effects.built
        where = {"crossing_capacity": (b.capacity_rows, ["crossing_id", "direction"],
                                       duals.capacity_usd_per_truck),
                 "priority_share": (b.priority_rows, ["crossing_id", "direction"],
                                    duals.priority_usd_per_truck),
                 "market_demand": (b.demand_rows, ["market", "product_id"],
                                   duals.market_usd_per_t)}
        for (family, key), at in extra.items():
            if family not in where:
                continue
            table, keys, out = where[family]
            k = tuple(table.iloc[key][keys]) if isinstance(key, int) else tuple(key[:2])
            out[k] = max(-float(y[at]), 0.0)
        gates = extra_entry_prices(b, y, extra)
        return replace(duals, entry_usd_per_truck=tuple(duals.entry_usd_per_truck) + gates) \
            if gates else duals


__all__ = ["SamplePricer", "SampleRouting"]
