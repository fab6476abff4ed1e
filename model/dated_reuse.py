"""Dated pricing that searches again only what a sweep scenario's duals changed.

A dated sweep keeps one priced reference model per worker (``borderflow.sweeps.worker.
reference_priced``) and prices every scenario with its own duals: one A* search per (origin,
product, dispatch day), most of which meet exactly the duals the reference had (a closure of
ten days in a sixty-day horizon leaves the duals of the days after it, and of every day when
the re-solve made no pivot, as they were).

A search of :func:`borderflow.model.dated_pricing.price_dated` is a deterministic function of
the pricing graph, the product, its dispatch day ``t``, the origin's supply dual
:math:`\\pi_{o,p,t}`, its destination-share terms :math:`s_{o,p,m,t}` at the
product's markets (:func:`same_shares`; a run with share rows has them on every dispatch
day), the options (columns per pair, tolerance, label limit) and the duals and
closures of the days it can reach: crossing days ``t .. t + shelf/24 + queue_max_wait_days +
1`` (capacity, priority and closure arrays, the capacity of the opposite direction
``empty_return_days`` later for returning empties) and market days as far (the gate-to-market
days of a route fit in its shelf life), plus the queue parameters and gate-entry duals. When
all of these are bit for bit the reference's, the search returns bit for bit what the
reference's returned: its pair row and columns are taken from the reference
(:class:`ReferencePricing`) instead of searching again.

Closures are read one crossing day at a time (``_Days.crossing``, when a label takes a gate
or waits at it; the A* bounds do not read them), so the reference records, per search, the
crossing days it looked at: a scenario's closure of days the search never looked at leaves
every value it reads as it was, and the search is reused (a ten-day closure of a gate the
reference's search of that origin, product and day never reached; with ``dominance`` the
margins read every crossing's closures over a span of days, and the day rule above applies).
Every other search runs as before, so
the pricing pass, its columns, bounds, certificate and tables are the same as a full pass;
only the time differs (``tests/test_dated_reuse.py`` checks the result equals a full pass).

**The scenario's own previous pass** (:class:`ScenarioPasses`, session 17). A closure that
prices routes in re-solves a model rebuilt over them and prices again; those passes' duals
differ from the reference's on every day near the closure, so the reference serves none of
their searches there (1,055 searched per pass in Boten-Mohan's). From one pass to the next
most duals move only by rounding (every day's capacity duals differ somewhere by ~1e-12, so
bit-for-bit reuse of the previous pass finds nothing: measured, 0 of 1,054), but they fall
by more than that on a few days only: :mod:`~borderflow.model.dated_skip` bounds a search
against the previous pass as against the reference (:class:`~borderflow.model.dated_skip.
EitherSkip`). The previous pass records each search it ran or reused (exact results only: a
search it skipped is not recorded, so a bound is never passed on as a search's result).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ReferencePricing", "Reuse", "ScenarioPasses", "equal_share_terms", "same_shares"]


@dataclass
class ReferencePricing:
    """A dated pricing pass kept for reuse: its duals, inputs, options and each search's
    ``(pair row, column rows)`` by ``(origin, product_id, period)``."""

    duals: object
    graph: object
    products: tuple
    options: tuple  # (max_columns, tolerance, max_labels, dominance, hour_bounds)
    searches: dict


def _changed_days(a: np.ndarray, b: np.ndarray, axis_days: int = -1) -> np.ndarray:
    """Per day, whether two ``[..., day]`` arrays differ anywhere on it."""
    if a.shape != b.shape:
        return np.ones(a.shape[-1], dtype=bool)
    diff = a != b
    return diff.reshape(-1, diff.shape[-1]).any(axis=0) if diff.ndim > 1 else diff


class Reuse:
    """Which searches of a pricing pass can take the reference's result (see the module
    docstring): made once per pass from the pass's duals and the reference.

    Parameters
    ----------
    reference : ReferencePricing
    duals : DatedDuals
        The pass's duals.
    graph, products, options
        The pass's pricing inputs and ``(max_columns, tolerance, max_labels, dominance,
        hour_bounds)``.
    """

    def __init__(self, reference: ReferencePricing, duals, graph, products, options):
        self.ref = reference
        r = reference.duals
        self.ok = (graph is reference.graph and tuple(products) == reference.products
                   and tuple(options) == reference.options
                   and duals.n_periods == r.n_periods
                   and duals.empty_return_share == r.empty_return_share
                   and duals.empty_return_days == r.empty_return_days
                   and duals.waiting_cost_usd_per_truck_day == r.waiting_cost_usd_per_truck_day
                   and duals.max_wait_days == r.max_wait_days
                   and tuple(duals.entry_usd_per_truck) == tuple(r.entry_usd_per_truck))
        if not self.ok:
            return
        n = duals.n_periods
        cross = _changed_days(np.asarray(duals.capacity_usd_per_truck),
                              np.asarray(r.capacity_usd_per_truck))
        closed, was = np.asarray(duals.closed, dtype=bool), np.asarray(r.closed, dtype=bool)
        #: the crossing days closed in one pass and open in the other: a search that looked
        #: at none of them (and meets the same duals) read the same closures
        self._closures = None
        if closed.shape != was.shape:
            cross[:] = True
        elif not options[3]:  # without dominance, a search reads closures day by day
            self._closures = [tuple(map(int, k)) for k in np.argwhere(closed != was)]
        else:  # with it, every crossing's closures over a span of days
            cross |= _changed_days(closed, was)
        p, q = duals.priority_usd_per_truck, r.priority_usd_per_truck
        if (p is None) != (q is None):
            cross[:] = True
        elif p is not None:
            cross |= _changed_days(np.asarray(p), np.asarray(q))
        # a crossing day's term reads the opposite direction's capacity dual `lag` days on
        lag = int(duals.empty_return_days)
        if lag:
            later = np.zeros(n, dtype=bool)
            later[:max(0, n - lag)] = cross[lag:]
            cross = cross | later
        self._cross = np.concatenate([[0], np.cumsum(cross)])
        self._n = n
        self._market: dict = {}
        #: per (product_id, t): no crossing or market day changed over the days its searches
        #: can reach (the same for every origin of the product on day t)
        self._days_clean: dict = {}
        #: one supply mapping for both passes (the same duals bit for bit,
        #: ``dated_columns._DUAL_MAPS``): every search's supply dual is the reference's
        self._same_supply = duals.supply_usd_per_t is r.supply_usd_per_t and not any(
            v != v for v in duals.supply_usd_per_t.values())  # NaN != NaN: never reused
        if self._closures:
            self._closures = frozenset(self._closures)
        self._duals = duals
        #: the share mappings compared whole once for this pair of passes
        self._same_share_terms = equal_share_terms(duals, r)

    def _clean(self, cum: np.ndarray, first: int, last: int) -> bool:
        """No changed day in ``first .. last`` (clipped to the modelled days)."""
        last = min(last, self._n - 1)
        return first > last or cum[last + 1] - cum[first] == 0

    def _market_days(self, product) -> np.ndarray:
        """Cumulative count of days on which a market dual of ``product`` changed."""
        pid = product.product_id
        if pid not in self._market:
            n, a, b = self._n, self._duals.market_usd_per_t, self.ref.duals.market_usd_per_t
            changed = np.zeros(n, dtype=bool)
            for m, _ in product.markets:
                for d in range(n):
                    if a.get((m, pid, d), 0.0) != b.get((m, pid, d), 0.0):
                        changed[d] = True
            self._market[pid] = np.concatenate([[0], np.cumsum(changed)])
        return self._market[pid]

    def result(self, product, origin: str, t: int):
        """The reference's ``(pair row, column rows)`` of this search if it can be reused,
        else None."""
        if not self.ok:
            return None
        pid = product.product_id
        clean = self._days_clean.get((pid, t))
        if clean is None:  # once per product and day, not per origin: the same answer
            last = t + int(product.shelf_life_h // 24) + int(self._duals.max_wait_days) + 2
            clean = self._days_clean[(pid, t)] = bool(
                self._clean(self._cross, t, last)
                and self._clean(self._market_days(product), t, last))
        if not clean:
            return None
        key = (origin, pid, t)
        found = self.ref.searches.get(key)
        if found is None:
            return None
        if not self._same_supply and self._duals.supply_usd_per_t.get(key, 0.0) != \
                self.ref.duals.supply_usd_per_t.get(key, 0.0):
            return None
        if self._closures and not found[2].isdisjoint(self._closures):
            return None  # it looked at a crossing day closed in one pass only
        if not same_shares(self._duals, self.ref.duals, product, origin, t,
                           whole=self._same_share_terms):
            return None  # a destination-share term of its markets moved
        return found


def equal_share_terms(duals, ref) -> bool:
    """Whether two passes' destination-share mappings (``DatedDuals.share_usd_per_t``) are
    equal as dicts (the same keys, ``==`` values; both empty included): then every
    :func:`same_shares` of the two passes is True, whatever its search (a re-solve without a
    pivot). A sufficient test only, made once per pair of passes (:class:`Reuse`)."""
    a, b = duals.share_usd_per_t, ref.share_usd_per_t
    if (a is b and isinstance(a, dict)) or (not a and not b):  # one mapping: equal to itself
        return True
    return isinstance(a, dict) and isinstance(b, dict) and a == b


def same_shares(duals, ref, product, origin: str, t: int, whole: bool = False) -> bool:
    """Whether the destination-share terms (``DatedDuals.share_usd_per_t``, USD/t; missing: 0)
    of ``origin``, ``product`` and dispatch day ``t`` are bit for bit equal in two passes at
    every market of the product: the only share terms a search of that (origin, product, day)
    reads (:meth:`~borderflow.model.dated_pricing.DatedDuals.share`, at its markets).
    ``whole``: the caller found the two mappings equal (:func:`equal_share_terms`, once per
    pair of passes), so every search's terms are."""
    if whole:
        return True
    a, b = duals.share_usd_per_t, ref.share_usd_per_t
    if not a and not b:
        return True
    pid = product.product_id
    return all(a.get((origin, pid, m, t), 0.0) == b.get((origin, pid, m, t), 0.0)
               for m, _ in product.markets)


@dataclass
class ScenarioPasses:
    """A dated sweep scenario's reuse sources across its column-generation passes: the
    worker's kept ``reference`` pass and the scenario's ``previous`` pass (None before its
    first), which :func:`borderflow.pricing_scope.price_once` replaces after each pass."""

    reference: ReferencePricing | None
    previous: ReferencePricing | None = None
