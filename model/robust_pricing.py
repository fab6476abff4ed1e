r"""Pricing of the two-stage robust model (:mod:`borderflow.model.stochastic`): exact, over
every route and every scenario.

A route ``r`` of product ``p`` from ``o`` that the robust model lacks would enter it as a
*block*: its booking :math:`b \ge 0`, and per scenario ``s`` (probability :math:`p_s`) its flow
:math:`x_s`, spot :math:`\text{spot}_s \ge x_s - b` and idle :math:`\text{idle}_s \ge b - x_s`
(the block's own rows ``spot_cover`` and ``idle_booking``). The other rows of each scenario
(supply, capacity, priority, demand, destination shares, gate entries) link it to the model;
with their duals, the reduced cost of :math:`x_s` is

.. math:: a_s(r) = p_s (c_r - \text{price}) + D_s(r)

(``c_r`` the route's generalized cost per tonne, :math:`D_s` the duals of scenario ``s``'s rows
as :func:`borderflow.model.pricing.price_static` charges them, already weighted by
:math:`p_s`: the objective is the expectation). Over the block, with :math:`\pi` the spot
premium and :math:`\kappa` the unused-booking factor, the least linking reduced cost is

.. math:: \min_{b, x \ge 0} \sum_s \big(a_s x_s + p_s \pi c_r \max(0, x_s - b)
          + p_s \kappa c_r \max(0, b - x_s)\big),

a convex piecewise-linear function, homogeneous of degree 1: it is negative exactly when it is
negative on one of its extreme rays. With ``b = 0`` a scenario ships on the spot market:
:math:`a_s + p_s \pi c_r` (a **spot column** of ``s``). With ``b = 1``, each scenario's term has
its breakpoints at :math:`x_s \in \{0, 1\}` and a slope beyond 1 that is ``>= 0`` unless the spot
column is already negative, so the least is :math:`\sum_s \min(a_s, p_s \kappa c_r)`: every
scenario of a subset ``S`` ships the booking, the others leave it idle (a **booking column** of
``S``). Both kinds are additive over the route's arcs:

.. math:: \text{spot}_s: \; p_s(1 + \pi) c_r - p_s\,\text{price} + D_s(r), \qquad
          \text{book}_S: \; \alpha_S c_r - \beta_S\,\text{price} + \sum_{s \in S} D_s(r)

with :math:`\alpha_S = \sum_{s \in S} p_s + \kappa \sum_{s \notin S} p_s` and :math:`\beta_S =
\sum_{s \in S} p_s`. Divided by :math:`\alpha`, each is the static reduced cost of one pricing
problem with the duals summed over its scenarios and divided by :math:`\alpha`, and the prices
scaled by :math:`\beta / \alpha` (a crossing closed in a scenario of ``S`` closes it), so
:func:`~borderflow.model.pricing.price_static` solves each exactly. Pricing all ``k`` spot
columns and all :math:`2^k - 1` booking columns is exact: no route prices out in the robust LP
when none of them does. Beyond :data:`MAX_EXACT_SCENARIOS` scenarios the subsets are not
enumerated; the pass is still exact when every :math:`a_s \ge -\text{tolerance}` (every term is
then ``>= 0``), otherwise the run is restricted with its bound.

Gap bound (any pass): in a feasible solution of the full LP the flows of ``(o, p)`` in a scenario
add up to at most its supply and the spot and idle terms are ``>= 0``, so the optimum over every
route is at least the restricted optimum minus :math:`\sum_{o,p} \text{supply}_{o,p} \sum_s
\max(0, -\min_r a_s(r))`, per tonne of ``x_s`` (weak duality with the robust model's duals).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .column_generation import Pricing, read_static_duals
from .pricing import TOLERANCE, PricingGraph, PricingProduct, StaticDuals, price_static

__all__ = ["MAX_EXACT_SCENARIOS", "RobustPricing", "price_robust", "read_robust_duals"]

#: most scenarios whose 2^k - 1 booking subsets are priced, by default
#: (:attr:`~borderflow.model.column_generation.Pricing.booking_scenarios`, ``--booking-scenarios``)
MAX_EXACT_SCENARIOS = Pricing.booking_scenarios


@dataclass
class RobustPricing:
    """What a robust pricing pass found.

    Attributes
    ----------
    columns : DataFrame
        Routes that price out (the columns of :func:`~borderflow.model.pricing.price_static`,
        ``reduced_cost_usd_per_t`` per tonne of the column, unscaled), one per route.
    least_usd_per_t : float
        The least reduced cost over the spot and booking columns priced (USD per tonne; a
        lower bound where a pair was answered by the screen).
    gap_bound_usd : float
        How much lower the expected cost over every route can be than the robust model's
        optimum (USD/day; module docstring).
    exact : bool
        Every spot and booking column was priced (or no scenario's route prices out).
    """

    columns: pd.DataFrame
    least_usd_per_t: float
    gap_bound_usd: float
    exact: bool


def read_robust_duals(session, robust, nets: Sequence) -> list[StaticDuals]:
    """Per scenario block of a solved robust model, its duals as static pricing reads them
    (:func:`~borderflow.model.column_generation.read_static_duals`; already weighted by the
    scenario's probability)."""
    return [read_static_duals(session, built, net)
            for built, net in zip(robust.scenarios, nets)]


def _add(maps: Sequence, scale: float) -> dict:
    out: dict = {}
    for m in maps:
        for k, v in m.items():
            out[k] = out.get(k, 0.0) + float(v) * scale
    return out


def combined(duals: Sequence[StaticDuals], members: Sequence[int], alpha: float) -> StaticDuals:
    """The duals of scenarios ``members`` summed and divided by ``alpha`` (closures: those of
    any member)."""
    use = [duals[i] for i in members]
    return StaticDuals(
        supply_usd_per_t=_add([d.supply_usd_per_t for d in use], 1.0 / alpha),
        capacity_usd_per_truck=_add([d.capacity_usd_per_truck for d in use], 1.0 / alpha),
        market_usd_per_t=_add([d.market_usd_per_t for d in use], 1.0 / alpha),
        priority_usd_per_truck=_add([d.priority_usd_per_truck for d in use], 1.0 / alpha),
        closed=frozenset().union(*(d.closed for d in use)),
        empty_return_share=use[0].empty_return_share,
        share_usd_per_t=_add([d.share_usd_per_t for d in use], 1.0 / alpha),
        entry_usd_per_truck=tuple((c, d, o, p, v / alpha) for x in use
                                  for c, d, o, p, v in x.entry_usd_per_truck))


def _scaled(products: Sequence[PricingProduct], factor: float) -> list[PricingProduct]:
    return [replace(p, markets=tuple((m, float(price) * factor) for m, price in p.markets))
            for p in products]


def _pass(graph, products, duals, members, alpha, beta, tolerance, max_columns):
    """One static pricing of ``alpha c - beta price + sum_members D``, reduced costs per tonne
    back in the robust objective's scale."""
    found = price_static(graph, _scaled(products, beta / alpha),
                         combined(duals, members, alpha), max_columns=max_columns,
                         tolerance=tolerance / alpha, exact_minimum=False)
    cols = found.columns.assign(
        reduced_cost_usd_per_t=found.columns["reduced_cost_usd_per_t"] * alpha)
    pairs = found.pairs.assign(
        min_reduced_cost_usd_per_t=found.pairs["min_reduced_cost_usd_per_t"] * alpha)
    return cols, pairs


def price_robust(graph: PricingGraph, products: Sequence[PricingProduct],
                 duals: Sequence[StaticDuals], probabilities: Sequence[float], *,
                 spot_premium_factor: float, unused_booking_factor: float,
                 supply: pd.Series, tolerance: float = TOLERANCE,
                 max_columns: int = 1,
                 max_exact_scenarios: int = MAX_EXACT_SCENARIOS) -> RobustPricing:
    """Price every route of the robust model: the spot and booking columns of the module
    docstring, each by :func:`~borderflow.model.pricing.price_static`.

    Parameters
    ----------
    graph, products
        :func:`~borderflow.model.column_generation.pricing_inputs` of the undisrupted network.
    duals : sequence of StaticDuals
        Per scenario (:func:`read_robust_duals`).
    probabilities : sequence of float
    spot_premium_factor, unused_booking_factor : float
        :math:`\\pi` and :math:`\\kappa`.
    supply : Series
        t/day per (origin, product_id) (the gap bound).
    tolerance : float
        USD/t: a column prices out below ``-tolerance``.
    max_columns : int
        Routes per (origin, product) and pass.
    max_exact_scenarios : int
        Most scenarios whose booking subsets are enumerated (:attr:`Pricing.booking_scenarios`).

    Returns
    -------
    RobustPricing
    """
    k = len(duals)
    p = [float(x) for x in probabilities]
    kappa, prem = float(unused_booking_factor), float(spot_premium_factor)
    cols, least, exact = [], 0.0, True
    gap = pd.Series(0.0, index=supply.index)
    # a_s: x_s alone at its own cost (the bound; and "nothing can price out" when all >= 0)
    negative = False
    for s in range(k):
        c, pairs = _pass(graph, products, duals, [s], p[s], p[s], tolerance, max_columns)
        rc = pairs.set_index(["origin", "product_id"])["min_reduced_cost_usd_per_t"]
        short = np.maximum(0.0, -rc.replace(np.inf, 0.0))
        gap = gap.add(short.reindex(gap.index).fillna(0.0), fill_value=0.0)
        negative |= bool((rc < -tolerance).any())
    if negative:
        passes = [([s], p[s] * (1.0 + prem), p[s]) for s in range(k)]
        if k <= max_exact_scenarios:
            for size in range(1, k + 1):
                for members in itertools.combinations(range(k), size):
                    inside = sum(p[s] for s in members)
                    passes.append((list(members), inside + kappa * (1.0 - inside), inside))
        else:
            exact = False
        for members, alpha, beta in passes:
            if alpha <= 0.0:
                continue
            c, pairs = _pass(graph, products, duals, members, alpha, beta, tolerance,
                             max_columns)
            finite = pairs["min_reduced_cost_usd_per_t"].replace(np.inf, np.nan).dropna()
            if len(finite):
                least = min(least, float(finite.min()))
            cols.append(c)
    columns = pd.concat(cols, ignore_index=True) if cols else pd.DataFrame(
        columns=["origin", "product_id", "market", "arcs", "reduced_cost_usd_per_t"])
    if len(columns):
        columns = columns.sort_values("reduced_cost_usd_per_t", kind="stable") \
            .drop_duplicates(["origin", "product_id", "arcs"]) \
            .sort_values(["product_id", "origin", "reduced_cost_usd_per_t"], kind="stable",
                         ignore_index=True)
    bound = float((supply.reindex(gap.index).fillna(0.0) * gap).sum())
    return RobustPricing(columns=columns, least_usd_per_t=least, gap_bound_usd=bound,
                         exact=exact)
