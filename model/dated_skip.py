r"""Dated sweep pricing: a search skipped because a proven bound says it finds no column.

:mod:`borderflow.model.dated_reuse` takes a reference's search when every dual it reads is
the reference's. A closure changes some of them, and the search runs again, although it
mostly finds nothing: a closure only removes capacity, so most duals it moves can only make
a column dearer. This module bounds how much cheaper any column of a search can have become.

The reduced cost of a column of ``(origin o, product p, dispatch day t)``
(``model/dated_pricing.py``, module docstring) is

.. math::

    \bar c = c_r - \text{price} - \pi_{o,p,t}
      + \frac{1}{P}\sum_{j}\big(\mu_{c_j,d_j,\tau_j} + \sigma\mu_{c_j,d_j',\tau_j+\ell}
                                + \tilde\rho_{c_j,d_j,\tau_j} + \epsilon_j\big)
      + \frac{(d - a)\,\omega}{P} + \lambda_{m,p,d+k} + s_{o,p,m,t}

over its crossings ``j`` (the gate included, on its gate day ``d``). Between the reference's
duals and a pass's, with the same graph, products, options, queue parameters and gate-entry
duals (what :class:`~borderflow.model.dated_reuse.Reuse` already requires), the same column's
reduced cost can fall by at most

.. math::

    \Delta = \max(0, \pi' - \pi)
      + \frac{K}{P}\Big((1 + \sigma)\max_{c,d,\tau}(\mu - \mu')^+
                        + \max_{c,d,\tau}(\rho - \rho')^+\Big)
      + \max_{m,\tau}(\lambda - \lambda')^+ + \max_m (s_m - s_m')^+

with ``K`` the most crossings a route can take (one fewer than the countries of the graph: a
route enters no country twice), the capacity falls over the days ``t .. last + ell`` and the
priority and market falls over ``t .. last``, ``last = t + shelf/24 + queue_max_wait_days +
2`` (every day a column of the search can reach, as for reuse), markets of ``p`` only, and
:math:`s_m = s_{o,p,m,t}` the destination-share term of the search's origin, product and day
at market ``m`` (``DatedDuals.share_usd_per_t``; every column ending at ``m`` pays it once,
depart, hold, direct or expire alike; session 17). Every
term enters a column at most once per crossing with a non-negative coefficient, so each
column's reduced cost is at least its reference value minus :math:`\Delta`. The **expire**
column of a market (``model/dated_pricing.py``) is priced only where its share term is
negative: its reduced cost moves with the term like any column's when the reference priced it
too (:math:`s_m < 0`), but a term negative in the pass and not in the reference adds columns
the reference never bounded, so then the search is not skipped. A day closed in
the pass and open in the reference only removes columns; a day open in the pass and closed in
the reference would add columns the reference never bounded, so then nothing is skipped.

So when the reference's search found no column (its pair row's ``min_reduced_cost_usd_per_t``
``b`` is a lower bound on all its columns: the least A* key left when it stopped, or ``inf``
with no column at all), every column of the pass's search costs at least ``b - Delta``; when
that is ``>= -tolerance`` the search cannot find a column below ``-tolerance`` and is skipped.
Its pair row then carries ``b - Delta`` (``exact`` False, 0 labels): a lower bound, as a
search stopped at the threshold gives, but not the bytes a search would write. The rows
skipped, with the argument's inputs, are :func:`skipped_table` (the run folder's
``pricing_bounds``, re-checked by ``borderflow verify``: no column of the run's duals below
the recorded bound).

**Against the scenario's previous pass** (:class:`EitherSkip`, session 17). The argument
holds with any earlier pass of the same scenario in the reference's place (the same graph,
closures and options; its recorded search a lower bound ``b`` on every column under its
duals): after a closure's re-solve over new routes, most duals move by rounding only
(~1e-12) and fall on a few days, so a search the reference cannot skip (its bound near 0:
a pair whose route carries flow) is skipped against the previous pass when its days are not
among those. A search that pass skipped is not a record (only searches run or reused are),
and one that found a column there runs. The row's ``reference_bound_usd_per_t`` and falls
are then the previous pass's: the verifier's re-check (the arithmetic, and its own search
for a column below the bound under the folder's duals) is the same and trusts neither.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SKIP_COLUMNS", "EitherSkip", "SkipBound", "skipped_table"]

#: the run folder's ``pricing_bounds`` (one row per skipped search)
SKIP_COLUMNS = ["origin", "product_id", "period", "bound_usd_per_t", "reference_bound_usd_per_t",
                "supply_rise_usd_per_t", "crossing_fall_usd_per_truck", "crossings",
                "market_fall_usd_per_t", "payload_t_per_truck", "share_fall_usd_per_t"]


def _fall(ref, now) -> np.ndarray:
    """Per day, the largest fall ``ref - now`` (>= 0) over the other axes."""
    d = np.clip(np.asarray(ref, dtype=float) - np.asarray(now, dtype=float), 0.0, None)
    return d.reshape(-1, d.shape[-1]).max(axis=0) if d.ndim > 1 else d


def _most(per_day: np.ndarray, first: int, last: int) -> float:
    """The largest value of ``per_day`` on days ``first .. last`` (0 beyond the model)."""
    return float(per_day[first:last + 1].max(initial=0.0))


class SkipBound:
    """The skip bound of each search of one pass (module docstring), made from the pass's
    :class:`~borderflow.model.dated_reuse.Reuse` (its ``ok`` checks done) and tolerance."""

    def __init__(self, reuse, graph, tolerance: float):
        ref, duals = reuse.ref.duals, reuse._duals
        self.reuse, self.tolerance = reuse, float(tolerance)
        #: the skipped searches' records (:data:`SKIP_COLUMNS`), in the order skipped
        self.records: list = []
        closed = np.asarray(duals.closed, dtype=bool)
        was = np.asarray(ref.closed, dtype=bool)
        p, q = duals.priority_usd_per_truck, ref.priority_usd_per_truck
        self.ok = (closed.shape == was.shape and not (was & ~closed).any()
                   and (p is None) == (q is None)
                   and np.shape(duals.capacity_usd_per_truck)
                   == np.shape(ref.capacity_usd_per_truck))
        if not self.ok:
            return
        self.mu = _fall(ref.capacity_usd_per_truck, duals.capacity_usd_per_truck)
        self.rho = np.zeros_like(self.mu) if p is None else _fall(q, p)
        self.sigma, self.lag = float(duals.empty_return_share), int(duals.empty_return_days)
        self.crossings = max(0, len(np.unique(np.asarray(graph.country))) - 1)
        self.duals, self.ref_duals = duals, ref
        # one mapping for both passes (``dated_columns._DUAL_MAPS``: the same duals bit for
        # bit): every rise and share fall is ``max(0, x - x) = 0.0`` (NaN too), not looked up
        self._same_supply = duals.supply_usd_per_t is ref.supply_usd_per_t
        self._same_share = duals.share_usd_per_t is ref.share_usd_per_t
        self._market: dict = {}
        self._falls: dict = {}  # (product_id, t) -> (crossing fall per truck, market fall)

    def _market_fall(self, product) -> np.ndarray:
        """Per day, the largest fall of a market dual of ``product``."""
        pid = product.product_id
        if pid not in self._market:
            n, a, b = self.duals.n_periods, self.duals.market_usd_per_t, \
                self.ref_duals.market_usd_per_t
            out = np.zeros(n)
            for m, _ in product.markets:
                for d in range(n):
                    out[d] = max(out[d], b.get((m, pid, d), 0.0) - a.get((m, pid, d), 0.0))
            self._market[pid] = out
        return self._market[pid]

    def row(self, product, origin: str, t: int):
        """``(pair row, record)`` of the skipped search, or None when it must run. The pair
        row is the search's layout with the bound as its least reduced cost (and the
        reference's screen lowered as much); the record is one row of :data:`SKIP_COLUMNS`."""
        if not self.ok:
            return None
        key = (origin, product.product_id, t)
        found = self.reuse.ref.searches.get(key)
        if found is None or found[1]:  # not searched, or its columns move with the duals
            return None
        b = float(found[0][4])
        rise = 0.0 if self._same_supply else max(
            0.0, self.duals.supply_usd_per_t.get(key, 0.0)
            - self.ref_duals.supply_usd_per_t.get(key, 0.0))
        falls = self._falls.get((product.product_id, t))
        if falls is None:  # the same for every origin of the product on day t
            last = t + int(product.shelf_life_h // 24) + int(self.duals.max_wait_days) + 2
            falls = self._falls[(product.product_id, t)] = (
                (1.0 + self.sigma) * _most(self.mu, t, last + self.lag)
                + _most(self.rho, t, last), _most(self._market_fall(product), t, last))
        per_truck, market = falls
        share = self._share_fall(product, origin, t)
        if share is None:
            return None
        P = float(product.payload_t_per_truck)
        delta = rise + self.crossings * per_truck / P + market + share
        bound = b - delta
        if not bound >= -self.tolerance:
            return None
        old = found[0]
        pair = (old[0], old[1], old[2], float(old[3]) - delta, bound, b == np.inf, 0)
        return pair, (origin, product.product_id, t, bound, b, rise, per_truck,
                      self.crossings, market, P, share)

    def _share_fall(self, product, origin: str, t: int) -> float | None:
        """The largest fall ``s_ref - s`` (>= 0, USD/t) of the destination-share term of
        ``(origin, product, t)`` over the product's markets, or None when a term is negative
        now and was not in the bound's pass (an expire column that pass never priced:
        module docstring)."""
        a, b = self.duals.share_usd_per_t, self.ref_duals.share_usd_per_t
        if (not a and not b) or self._same_share:
            return 0.0
        pid, fall = product.product_id, 0.0
        for m, _ in product.markets:
            now, was = a.get((origin, pid, m, t), 0.0), b.get((origin, pid, m, t), 0.0)
            if now < 0.0 <= was:
                return None
            fall = max(fall, was - now)
        return fall


def skipped_table(records) -> pd.DataFrame:
    """The skipped searches of a pass as a table (:data:`SKIP_COLUMNS`)."""
    return pd.DataFrame(list(records), columns=SKIP_COLUMNS)


class EitherSkip:
    """The first of several :class:`SkipBound` (each ``ok``) that proves a search finds no
    column: the reference's, then the scenario's previous pass's. ``records`` is shared,
    so the pass lists every skipped search once, with the inputs of the bound used."""

    def __init__(self, *skips):
        self.skips = [s for s in skips if s is not None and s.ok]
        self.ok = bool(self.skips)
        self.records: list = []

    def row(self, product, origin: str, t: int):
        """``(pair row, record)`` of the first bound that skips the search, or None."""
        for s in self.skips:
            found = s.row(product, origin, t)
            if found is not None:
                return found
        return None
