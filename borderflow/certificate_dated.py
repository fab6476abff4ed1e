r"""The optimality certificate of a dated (day-by-day) run, re-checked independently.

The static check and the report format are in :mod:`borderflow.certificate`; this module imports
nothing from :mod:`borderflow.model` either. (Over 500 lines: the column families, the search
over them and its bounds are one argument of the proof, kept in one place so a reader checks it
against ``model/dated_pricing.py`` side by side; the shared pieces already live in
:mod:`borderflow.certificate_dated_bounds`, :mod:`borderflow.certificate_shares` and
:mod:`borderflow.certificate_initial`.) A dated run is optimal over every route when no
column of any new or existing stream has a negative reduced cost (the columns and why they
suffice are stated in ``model/dated_pricing.py``):

- **depart** ``(route, dispatch day t, gate day d)``, ``a <= d <= min(a + W, n - 1)``;
- **hold** ``(route, t)`` when ``a + W + 1 >= n`` (still queued when the modelled days end);
- **direct** ``(route, t)`` for a route without crossings;
- **expire** ``(route, t)`` with a negative destination-share term only (below);

with ``a = t + floor(o_g / 24)`` the day the cargo reaches its last crossing (entered ``o_g``
hours after dispatch), ``W = min(queue_max_wait_days, max(0, floor((shelf life - H) / 24)))``
and ``H`` the route's hours. Reduced cost per tonne: route cost (links' running cost x cost factor +
tolls + fees + payload x value of time x hours, the verifier's own arc costs) / payload - supply
dual of (o, p, t) + [capacity duals of every earlier crossing on the day it is
reached (+ empty_return_share x the opposite direction's, ``empty_return_days`` later) + for a
non-perishable the priority dual, per truck] / payload; a depart column adds ``((d - a) x
waiting cost + the gate's duals on day d) / payload + market dual of the delivery day - price``;
a hold column ``(n - a) x waiting cost / payload + penalty`` (cargo still queued at the end is
valued like cargo written off); a direct route ``market dual - price``. A
crossing direction with no capacity on the day a column takes it forbids the column; duals of
days ``>= n`` are 0.

The search is a *depth-first branch and bound* over elementary paths from each origin and
dispatch day (the pricing is an A* best-first search): a partial path is cut when its hours and
the fastest way to a market exceed the shelf life, or when its cost plus a lower bound to the
end cannot bring the reduced cost below the best found (at most 0). Lower bounds come from
networkx's Bellman-Ford on the reversed graph with each crossing's least dual over the days it
could be reached, and, the larger of the two, the time-slot bounds of
:mod:`borderflow.certificate_dated_bounds` (the duals of the days a path there can actually
meet; session 13). Initial-queue entries allocated to a stream the run did not have are priced
by the verifier's own search over every route through their gate (the check
``initial_queue_dual``, :mod:`borderflow.certificate_initial`; session 16: it relaxed the wait
and the gate-to-market days before).

Destination-share rows of each dispatch day (``share_duals``): a column pays the terms of its
day (:mod:`borderflow.certificate_shares`, which states them and the **expire** column).

Gate-entry duals (slot quotas and licences, ``entry_duals``) are paid per truck at each crossing
they cover on the day the route reaches it, the gate included, and subtract ``dual x limit``
from the dual objective (:mod:`borderflow.certificate_entry`).

Extra dual read: ``initial_queues.dual_usd_per_truck`` (per entry, the ``initial_queue_total``
row). The duality gap adds ``sum eta x trucks`` of the initial queues to the dual objective.

A run with a dispatch hold (stock at origins) is checked with its shelf rows' duals
(``stock_duals``; :mod:`borderflow.certificate_stock`): each (origin, product, day) is searched
once more per shelf row with a positive dual, its hours capped at the row's ``fits_h`` and that
row's running sum of duals earned (``_banded``); days with a supply row but no supply on which
held stock could be released are priced too; ``stock_cell_dual`` holds the stock columns of
every cell a hold could open; a restricted run's gap bound counts released stock (a knapsack
per origin and product).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial

import networkx as nx
import numpy as np
import pandas as pd

from borderflow.certificate import (
    ROUTE_COLUMNS,
    Certificate,
    _dual_map,
    _dual_objective,
    _report,
    _share_signs,
    _signs,
    _tol,
    _unserved_check,
)
from borderflow.certificate_dated_bounds import SlotBounds
from borderflow.certificate_entry import crossing_extra, entry_duals
from borderflow.certificate_initial import least_allocation
from borderflow.certificate_shares import share_by_day
from borderflow.certificate_skip import skip_rows
from borderflow.certificate_stock import HoldStock, has_stock_rows, hold_stock, stock_shortfall

_DIR = ("a_to_b", "b_to_a")


class _Inputs:
    """One product's graph, duals and queue parameters, as the search reads them."""

    def __init__(self, facts, country: Mapping, pid: str, mu: dict, rho: dict, lam: dict):
        prod = facts.products.loc[pid]
        self.pid, self.P = pid, float(prod["payload_t"])
        self.shelf = float(prod["shelf_h"])
        self.pays_priority = not bool(prod["perishable"])
        self.n = facts.n_periods
        self.omega = float(facts.waiting_usd_per_truck_day)
        self.penalty = float(prod["penalty_usd_per_t"])
        self.sigma, self.lag = float(facts.empty_share), int(facts.empty_lag_days)
        self.max_wait = int(facts.max_wait_days)
        self.mu, self.rho, self.lam = mu, rho, lam
        cap = facts.capacity
        self.closed = {(c, d, int(t)) for c, d, t, k in zip(
            cap["crossing_id"], cap["direction"], cap["period"],
            cap["capacity_trucks_per_day"]) if k <= 0}
        lic = {c for c, allowed in facts.licences.items() if allowed is None or pid in allowed}
        self.country = country
        self.out: dict[str, list] = {}
        truck_vot = self.P * float(prod.get("vot", 0.0) or 0.0)  # value of time, USD/truck-h
        for arc_id, a in facts.arcs.iterrows():
            x = a["kind"] == "crossing"
            if x and a["element_id"] not in lic:
                continue
            # a link's running cost x cost factor, its toll not scaled; a crossing's fee
            toll = 0.0 if x else float(a.get("toll_usd_per_truck", 0.0) or 0.0)
            cost = float(a["cost_usd_per_truck"]) if x else \
                float(prod["cost_factor"]) * (float(a["cost_usd_per_truck"]) - toll) + toll
            cost += truck_vot * float(a["travel_h"])
            self.out.setdefault(a["from_node"], []).append(
                (arc_id, a["to_node"], float(a["travel_h"]), cost,
                 (a["element_id"], a["direction"]) if x else None))
        mk = facts.markets[facts.markets["product_id"] == pid]
        self.price = {}
        for m, p in zip(mk["market"], mk["price_usd_per_t"]):
            self.price[m] = min(float(p), self.price.get(m, math.inf))

    def dual(self, crossing: tuple, day: int) -> float:
        """Per-truck duals of taking ``crossing`` (id, direction) on ``day`` (inf if closed)."""
        if day >= self.n:
            return 0.0
        c, d = crossing
        if (c, d, day) in self.closed:
            return math.inf
        other = (c, _DIR[1 - _DIR.index(d)], day + self.lag)
        value = self.mu.get((c, d, day), 0.0) + self.sigma * self.mu.get(other, 0.0)
        return value + (self.rho.get((c, d, day), 0.0) if self.pays_priority else 0.0)

    def market(self, m: str, day: int) -> float:
        """Market dual of (m, product, day) per tonne (0 beyond the modelled days)."""
        return self.lam.get((m, self.pid, day), 0.0) if day < self.n else 0.0

    def bounds(self, t: int, share: Mapping | None = None) -> tuple[dict, dict, dict]:
        """Least hours to a market, and lower bounds on the cost to the end of a column
        dispatched on ``t`` over every arc and over links only (Bellman-Ford, reversed);
        ``share``: market -> destination-share term (USD/t) every column ending there pays."""
        reach = range(t, t + int(self.shelf // 24) + self.max_wait + 2)
        rev_h, rev_all, rev_links = nx.DiGraph(), nx.DiGraph(), nx.DiGraph()
        for tail, arcs in self.out.items():
            for _, head, hours, cost, x in arcs:
                w = cost + (0.0 if x is None else min(
                    (v for v in (self.dual(x, day) for day in reach) if math.isfinite(v)),
                    default=0.0))
                for g, weight in ((rev_h, hours), (rev_all, w)) + (
                        ((rev_links, w),) if x is None else ()):
                    if not g.has_edge(head, tail) or g[head][tail]["w"] > weight:
                        g.add_edge(head, tail, w=weight)
        sink = "__end__"
        # an expire column (a negative share term) pays no dual at its gate: before the gate
        # the bound is also taken with no crossing dual (the least of the two)
        expire = any(v < 0.0 for v in (share or {}).values())
        rev_free = nx.DiGraph()
        if expire:
            for tail, arcs in self.out.items():
                for _, head, _, cost, _ in arcs:
                    if not rev_free.has_edge(head, tail) or rev_free[head][tail]["w"] > cost:
                        rev_free.add_edge(head, tail, w=cost)
        for m, price in self.price.items():
            lam = min(self.market(m, day) for day in reach)
            end = min(0.0, self.P * (lam - price)) + self.P * (share or {}).get(m, 0.0)
            for g, w in ((rev_h, 0.0), (rev_all, end), (rev_links, end), (rev_free, end)):
                g.add_edge(sink, m, w=w)
        out = [nx.single_source_bellman_ford_path_length(g, sink, weight="w")
               for g in (rev_h, rev_all, rev_links)]
        if expire:
            free = nx.single_source_bellman_ford_path_length(rev_free, sink, weight="w")
            out[1] = {k: min(v, free.get(k, math.inf)) for k, v in out[1].items()}
        return tuple(out)

    def ending(self, m: str, cost: float, hours: float, t: int, gate, gate_h: float,
               share: float = 0.0):
        """(cost per truck, gate day or -1 direct / -2 hold / -3 expire) of the best column
        ending at ``m``, or None. ``share``: the destination-share term of the column's origin,
        dispatch day and ``m`` (USD/t, :func:`share_by_day`), paid by every column."""
        price = self.price[m]
        share = self.P * share
        if gate is None:
            return cost + share + self.P * (self.market(m, t + int(hours // 24)) - price), -1
        a = t + int(gate_h // 24)
        wait = min(self.max_wait, max(0, math.floor((self.shelf - hours) / 24)))
        k = int((hours - gate_h) // 24)
        options = [((d - a) * self.omega + self.dual(gate, d)
                    + self.P * (self.market(m, d + k) - price), d)
                   for d in range(a, min(a + wait, self.n - 1) + 1)]
        if a + wait + 1 >= self.n:
            # still queued at the end: valued like cargo written off (its penalty)
            options.append(((self.n - a) * self.omega + self.P * self.penalty, -2))
        elif share < 0:
            # written off on day a + W + 1 (without a negative share term it cannot price
            # below the unserved reduced cost, checked by ``unserved_dual``)
            options.append(((wait + 1) * self.omega + self.P * self.penalty, -3))
        best = min(options, default=(math.inf, None))
        return (cost + best[0] + share, best[1]) if math.isfinite(best[0]) else None


def _least(inp: _Inputs, o: str, t: int, bounds: tuple, offset: float,
           entry: dict | None = None, cap: float | None = None,
           share: Mapping | None = None) -> tuple:
    """Least column cost per truck below ``offset`` (the supply dual x payload) found by depth-
    first branch and bound: (cost, arc ids, gate day), or (None, [], None). ``entry``: the
    gate-entry duals the route pays per crossing and day reached
    (:meth:`borderflow.certificate_entry.EntryDuals.per_truck`; ``>= 0``, so the bounds
    without them stay bounds). ``cap``: most route hours (a shelf row's band,
    :mod:`borderflow.certificate_stock`; the gate wait is still limited by the shelf life).
    ``share``: market -> share term (USD/t) of the origin and day, as in ``bounds``."""
    share = share or {}
    low = inp.P * min([0.0, *share.values()])  # slot bounds: made without the terms
    fastest, lb_all, lb_links = bounds[:3]
    slots = bounds[3] if len(bounds) > 3 else None  # SlotBounds of the product, or None
    if low < 0.0:  # they count the gate's dual, which an expire column does not pay
        slots = None
    best = [offset, None, [], None]  # bound, cost, route, gate day
    shelf = (inp.shelf + 1e-9) if cap is None else min(inp.shelf + 1e-9, cap)

    def dive(node, cost, hours, countries, visited, gate, gate_h, passed, path):
        if node in inp.price and (gate is not None or passed == 0):
            end = inp.ending(node, cost, hours, t, gate, gate_h, share.get(node, 0.0))
            if end is not None and end[0] < best[0]:
                best[:] = [end[0], end[0], list(path), end[1]]
        for arc_id, head, h, c, x in inp.out.get(node, ()):
            if head in visited or hours + h + fastest.get(head, math.inf) > shelf:
                continue
            if x is None:
                lb = (lb_links if gate is not None else lb_all).get(head, math.inf)
                if slots is not None and cost + c + lb < best[0]:
                    lb = max(lb, low + (slots.before(head, passed, t, hours + h) if gate is None
                                        else slots.after(head, gate, t + int(gate_h // 24))))
                if cost + c + lb < best[0]:
                    dive(head, cost + c, hours + h, countries, visited | {head}, gate, gate_h,
                         passed, path + [arc_id])
                continue
            nxt = inp.country[head]
            if gate is not None or nxt in countries:
                continue
            day = t + int(hours // 24)
            through = inp.dual(x, day)
            paid = c + (crossing_extra(entry, x[0], x[1], day) if entry and day < inp.n
                        else 0.0)
            lb = lb_all.get(head, math.inf)
            if slots is not None and math.isfinite(through) and \
                    cost + paid + through + lb < best[0]:
                lb = max(lb, low + slots.before(head, 1, t, hours + h))
            if math.isfinite(through) and cost + paid + through + lb < best[0]:
                dive(head, cost + paid + through, hours + h, countries | {nxt},
                     visited | {head}, None, 0.0, passed + 1, path + [arc_id])
            lb = lb_links.get(head, math.inf)
            if slots is not None and day < inp.n and cost + paid + lb < best[0]:
                lb = max(lb, low + slots.after(head, x, day))
            if day < inp.n and cost + paid + lb < best[0]:
                dive(head, cost + paid, hours + h, countries | {nxt}, visited | {head}, x,
                     hours, passed + 1, path + [arc_id])

    dive(o, 0.0, 0.0, frozenset({inp.country[o]}), frozenset({o}), None, 0.0, 0, [])
    return best[1], best[2], best[3]


def check_dated_certificate(facts, nodes: pd.DataFrame, results: Mapping[str, pd.DataFrame],
                            objective_usd: float,
                            must_deliver: tuple[str, ...] = (),
                            entries: pd.DataFrame | None = None,
                            slot_bounds: bool = True, summary: dict | None = None
                            ) -> Certificate:
    """Re-check the certificate of a dated run (module docstring).

    Parameters
    ----------
    facts : borderflow.verify.Facts
        Inputs and calendar of the run (dated).
    nodes : DataFrame
        ``node_id, country``.
    results : mapping of DataFrame
        As for :func:`borderflow.certificate.check_certificate`, plus ``initial_queues``
        (entry, crossing_id, direction, product_id, age_days, trucks, dual_usd_per_truck) when
        the scenario has initial queues.
    objective_usd : float
    must_deliver : tuple of str
    entries : DataFrame, optional
        The scenario's gate-entry rows as the verifier recomputes them (slot quotas and
        licences by the day a crossing is reached; :mod:`borderflow.certificate_entry`).
    slot_bounds : bool
        Cut the search with the time-slot bounds of
        :mod:`borderflow.certificate_dated_bounds` too (the larger of the two): the same
        least reduced costs, far fewer paths on networks of many near-equal roads. False:
        the least-dual bounds only (as before session 13).
    summary : dict, optional
        The run's ``summary.json``: with a ``pricing_bounds`` table (searches a sweep
        scenario skipped by a proven bound), its rows are re-checked
        (:mod:`borderflow.certificate_skip`, check ``pricing_bound``).

    Returns
    -------
    Certificate
        ``routes`` has one row per (origin, product, dispatch day); its least reduced cost is
        exact where negative, and 0 where none is (the search stops at 0).
    """
    held = _hold_scope(facts, results)
    if held is not None:
        return held
    country = dict(zip(nodes["node_id"], nodes["country"]))
    keys = ["crossing_id", "direction", "period"]
    mu = {k: max(v, 0.0) for k, v in _dual_map(results["crossings"], keys,
                                                "dual_usd_per_truck").items()}
    rho = {k: max(v, 0.0) for k, v in _dual_map(results["crossings"], keys,
                                                 "priority_dual_usd_per_truck").items()}
    pi = _dual_map(results["unserved"], ["origin", "product_id", "period"], "dual_usd_per_t")
    lam = {k: max(v, 0.0) for k, v in _dual_map(results.get("market_duals"),
                                                 ["market", "product_id", "period"],
                                                 "dual_usd_per_t").items()}
    raw = (_dual_map(results["crossings"], keys, "dual_usd_per_truck"),
           _dual_map(results["crossings"], keys, "priority_dual_usd_per_truck"),
           _dual_map(results.get("market_duals"), ["market", "product_id", "period"],
                     "dual_usd_per_t"))
    checks = [_signs(*raw)]
    share_y = _dual_map(results.get("share_duals"), ["rule_id", "side", "period"],
                        "dual_usd_per_t")
    rules = {rule.rule_id: rule for rule in getattr(facts, "shares", ()) or ()}
    unknown = sorted({r for r, _, _ in share_y} - set(rules))
    if unknown:
        raise ValueError(f"share_duals names rules the inputs do not have: {', '.join(unknown)}")
    checks.append(_share_signs(share_y))
    shares = share_by_day(rules, share_y)
    gate = entry_duals(entries, results.get("entry_duals"), _report)
    checks += gate.checks
    stock = hold_stock(facts, results, pi, entries, _report, _Reach(facts, country)) \
        if has_stock_rows(facts, results) else None
    if stock is not None:
        checks += stock.checks
    rows, skips = [], skip_rows(results)
    for pid in facts.products.index:
        days = _route_days(facts, pid, stock)
        if not days:
            continue
        inp = _Inputs(facts, country, pid, mu, rho, lam)
        scale = max(inp.price.values(), default=0.0)
        slots = SlotBounds.of(inp, origins={o for rows in days.values() for o, _ in rows}) \
            if slot_bounds else None
        for t in sorted(days):
            made: dict = {}
            for o, supply in days[t]:
                here = shares.get((o, pid, t))
                key = tuple(sorted((here or {}).items()))
                if key not in made:
                    made[key] = inp.bounds(t, here) + (slots,)
                bounds = made[key]
                p_o = pi.get((o, pid, t), 0.0)
                extra = gate.per_truck(o, pid, t)
                cost, route, _ = _least(inp, o, t, bounds, inp.P * p_o, extra, share=here)
                rc = 0.0 if cost is None else cost / inp.P - p_o
                if stock is not None:
                    rc, route = _banded(inp, o, t, bounds, p_o, extra, stock, rc, route, here)
                tol = float(_tol(max(scale, abs(p_o))))
                if skips is not None and (o, pid, t) in skips.by_key:
                    skips.check((o, pid, t), partial(_least, inp, o, t, bounds, entry=extra,
                                                     share=here), rc, p_o, inp.P, tol)
                rows.append((o, pid, t, float(supply), rc, ">".join(route), tol,
                             bool(rc >= -tol)))
    table = pd.DataFrame(rows, columns=ROUTE_COLUMNS)
    checks.append(pd.DataFrame({
        "check": "route_dual",
        "entity": (table["origin"] + "/" + table["product_id"] + " @"
                   + table["period"].astype(str)).to_numpy(),
        "amount": np.maximum(0.0, -table["min_reduced_cost_usd_per_t"].to_numpy()),
        "unit": "USD/t", "tolerance": table["tolerance"].to_numpy(),
        "ok": table["ok"].to_numpy()}))
    if skips is not None:
        checks += skips.rows(summary, len(set(country.values())), _report)
    checks.append(_unserved_check(facts, pi, must_deliver))
    init = results.get("initial_queues")
    dual = _dual_objective(facts, mu, rho, pi, lam) + gate.dual_objective_usd
    shortfall = 0.0
    if init is not None and len(init):
        entries = init.drop_duplicates("entry")
        dual += float((entries["dual_usd_per_truck"] * entries["trucks"]).sum())
        checks.append(_initial_check(facts, country, entries, mu, rho, lam))
        shortfall = float((checks[-1]["amount"].to_numpy() * entries["trucks"].to_numpy()).sum())
    checks.append(_report("duality_gap", "objective", abs(objective_usd - dual), "USD",
                          max(abs(objective_usd), abs(dual))))
    route_short = None
    if stock is not None:  # releases add to a day's flows: a knapsack, and the cells' columns
        route_short = stock_shortfall(table, facts, stock)
        shortfall += stock.shortfall_usd
    return Certificate(routes=table, checks=pd.concat(checks, ignore_index=True),
                       dual_objective_usd=dual, other_shortfall_usd=shortfall,
                       route_shortfall_usd=route_short)


class _Reach:
    """``(origin, product, gates) -> bool``: does some route of the product from the origin
    (elementary, no country twice, within shelf life, licensed on some day, no crossing
    direction closed on every day) take one of ``gates`` ((crossing, direction)) and end at a
    market buying it? A depth-first search cut where the hours so far plus the fastest way on
    through a gate to a market exceed the shelf life (memoised per question)."""

    def __init__(self, facts, country: Mapping):
        self.facts, self.country, self.memo, self.inputs = facts, country, {}, {}

    def __call__(self, origin: str, product: str, gates: frozenset) -> bool:
        key = (origin, product, gates)
        if key not in self.memo:
            if product not in self.inputs:
                self.inputs[product] = _Inputs(self.facts, self.country, product, {}, {}, {})
            self.memo[key] = any(self._through(self.inputs[product], origin, g) for g in gates)
        return self.memo[key]

    def _through(self, inp: _Inputs, origin: str, gate: tuple) -> bool:
        arc = next(((tail, a) for tail, arcs in inp.out.items() for a in arcs if a[4] == gate),
                   None)
        if arc is None:
            return False  # not licensed for the product
        tail, (_, head, gate_h, _, _) = arc
        to_end = _hours_to(inp, set(inp.price))
        to_gate = _hours_to(inp, {tail})
        via = gate_h + to_end.get(head, math.inf)  # from the gate's tail on, at least
        shelf = inp.shelf + 1e-9
        shut = {(c, d) for c, d, _ in inp.closed
                if all((c, d, t) in inp.closed for t in range(inp.n))}
        if gate in shut:
            return False

        def dive(node, hours, countries, visited, passed):
            if passed and node in inp.price:
                return True
            for _, nxt, h, _, x in inp.out.get(node, ()):
                took = passed or x == gate
                rest = to_end.get(nxt, math.inf) if took else to_gate.get(nxt, math.inf) + via
                if nxt in visited or hours + h + rest > shelf or x in shut:
                    continue
                if x is not None and self.country[nxt] in countries:
                    continue
                if dive(nxt, hours + h, countries | {self.country[nxt]}, visited | {nxt}, took):
                    return True
            return False

        return dive(origin, 0.0, frozenset({self.country[origin]}), frozenset({origin}), False)


def _hours_to(inp: _Inputs, targets: set) -> dict:
    """Least hours from every node to any of ``targets`` over the product's arcs."""
    rev = nx.DiGraph()
    for tail, arcs in inp.out.items():
        for _, head, hours, _, _ in arcs:
            if not rev.has_edge(head, tail) or rev[head][tail]["w"] > hours:
                rev.add_edge(head, tail, w=hours)
    for node in targets:
        rev.add_edge("__end__", node, w=0.0)
    return nx.single_source_dijkstra_path_length(rev, "__end__", weight="w")


def _route_days(facts, pid: str, stock: HoldStock | None) -> dict:
    """``day -> [(origin, supply)]`` to price for product ``pid``: days with supply, and days
    with a supply row on which stock could be released (flows may exceed the supply)."""
    s = facts.supply[facts.supply["product_id"] == pid]
    out: dict = {}
    for o, t, v in zip(s["origin"], s["period"].astype(int), s["supply_t"].astype(float)):
        if v > 0 or (stock is not None and (o, pid, t) in stock.releasable):
            out.setdefault(t, []).append((o, v))
    return out


def _banded(inp: _Inputs, o: str, t: int, bounds: tuple, p_o: float, extra: dict,
            stock: HoldStock, rc: float, route: list,
            share: Mapping | None = None) -> tuple[float, list]:
    """The least reduced cost of (o, product, t) with the shelf rows' duals a route earns:
    ``min_a (M_a - P_a)`` over the bands of :meth:`HoldStock.bands`, each searched only below
    the best so far, minus the skipped duals (module docstring of
    :mod:`borderflow.certificate_stock`)."""
    bands, skipped = stock.bands(o, inp.pid, t)
    for cap, earned in bands:
        cost, path, _ = _least(inp, o, t, bounds, inp.P * (p_o + earned + min(rc, 0.0)),
                               extra, cap=cap, share=share)
        if cost is not None and cost / inp.P - p_o - earned < rc:
            rc, route = cost / inp.P - p_o - earned, path
    return rc - skipped, route


def _hold_scope(facts, results: Mapping[str, pd.DataFrame]) -> Certificate | None:
    """A failed certificate for a run with stock at origins whose shelf rows' duals are not in
    its tables (a folder written before ``stock_duals``): no column can be proved not to price
    out; None for any other run."""
    stock = results.get("origin_stock")
    held_t = float(stock["held_t"].sum()) if stock is not None and len(stock) else 0.0
    if held_t <= 0 or results.get("stock_duals") is not None:
        return None
    check = _report("certificate_scope", "stock at origins without its shelf rows' duals "
                    "(stock_duals)", held_t, "t", 0.0)
    return Certificate(routes=pd.DataFrame(columns=ROUTE_COLUMNS), checks=check)


def _initial_check(facts, country: Mapping, entries: pd.DataFrame, mu: dict, rho: dict,
                   lam: dict) -> pd.DataFrame:
    """The least reduced cost (USD/truck) of giving each initial-queue entry to a stream of any
    route through its gate, by the verifier's own search
    (:func:`borderflow.certificate_initial.least_allocation`): depart on a day the route's wait
    allows toward its market, expire, or stay queued to the end."""
    amounts, ents, scales = [], [], []
    queues = getattr(getattr(facts, "scenario", None), "initial_queues", None) or ()
    for e in entries.itertuples(index=False):
        inp = _Inputs(facts, country, e.product_id, mu, rho, lam)
        named = queues[int(e.entry)].origin if int(e.entry) < len(queues) else None
        origins = {named} if named is not None else \
            set(facts.supply.loc[facts.supply["product_id"] == e.product_id, "origin"])
        reduced = least_allocation(inp, e, origins, float(e.dual_usd_per_truck))
        amounts.append(max(0.0, -reduced))
        ents.append(f"entry {e.entry} {e.product_id} at {e.crossing_id}:{e.direction}")
        scales.append(abs(float(e.dual_usd_per_truck)))
    return _report("initial_queue_dual", ents, amounts, "USD/truck", np.array(scales))
