r"""Stock at origins in the dated certificate: runs with a dispatch hold, re-checked (issue 17).

A dated run with a ``hold_dispatch`` event has, per *cell* (origin ``o``, product ``p``, held
day ``s``), stock ``S``, releases ``r`` and write-offs ``w`` with balance and expiry rows, and
the *shelf rows* of each (o, p, release day ``t``, age threshold ``a``): releases of age ``>= a``
at most the route flows of (o, p, t) whose hours fit ``shelf - 24 a`` (docs/certified-routing.md,
"Dated runs with a dispatch hold"). This module gives :mod:`borderflow.certificate_dated` what
those rows add to the dual of the LP over every route; it imports nothing from
:mod:`borderflow.model`.

**Shelf duals.** ``stock_duals.dual_usd_per_t`` is ``D >= 0`` per shelf row (minus HiGHS's dual
of a ``<= 0`` row); a shelf row the run does not have gets ``D = 0`` (a valid dual of a row with
right-hand side 0). A route flow of (o, p, t) with ``h`` hours has ``-1`` in every shelf row of
(o, p, t) it fits, so its reduced cost is the dated one minus ``sum_(a: h <= fits_h(a)) D_a``.
With ``P_a`` the running sum of the D of the rows up to ``a`` and ``M_a`` the least dated reduced
cost over routes of at most ``fits_h(a)`` hours (the gate wait still limited by the full shelf
life), the least reduced cost is ``min_a (M_a - P_a)`` (``a = 0``: no cap, ``P_0 = 0``): a lower
bound whatever the signs, exact when every ``D >= 0``. A row with ``D <= BAND_EPS`` opens no
band (its band cannot do better than the band before it by more than ``D``); the sum of the
positive ``D`` so skipped is taken off the result, so it stays a lower bound.

**Stock columns.** The balance and expiry rows of a cell hold only its own stock columns and
have right-hand side 0, so the certificate may give them its own duals: ``pi_s`` (the supply
dual of the held day) on every one. Then stock kept has reduced cost 0, stock written off or
left after the last day ``penalty - pi_s``, and a release on day ``t >= first release`` (age
``k = t - s``) ``[pi_t] + sum_(a <= k) D_(o,p,t,a) - pi_s`` (``pi_t`` only where (o, p, t) has a
supply row: the run-out tail has none, and no route flow either). The least of these,
``beta``, must be ``>= -tolerance`` (check ``stock_cell_dual``). This choice is the best one
(any other feasible balance duals rise from ``pi_s`` and can only lower a release's reduced
cost), so a cell fails only if no dual of its rows exists: the run is not optimal over them.
Releases before the first release day are bounded to 0 and priced nothing.

**Which cells.** The LP over every route has a cell wherever a route flow is held: candidate
cells are every (o, p, s) with a supply row (supply on s, or stock that could be released on
s) and a hold of ``o`` in force on ``s`` (a superset, so stricter than needed). The first release
day is the first day after ``s`` on which none of the holds that hold the cell's route flows is
in force. It lies between ``first_lb`` (the first day one of the holds of ``o`` in force on ``s``
is lifted) and ``first_ub`` (all of them lifted). Where the two differ, the holds that hold the
cell are found: those whose gate a route of the run's own ``route_flows`` from (o, p) takes,
and those whose gate the certificate's own search finds on a route of p from o (elementary, no
country twice, within shelf life, licensed on some day: a route of the route set, so its flow
of day ``s`` is held); with none, no route flow of (o, p, s) is held and there is no cell.

**Route days.** Routes are priced on every horizon day with supply, and on the days with a
supply row on which stock of a candidate cell could be released (flows may then exceed the
day's supply). Days of the run-out tail have no route flows: nothing to price there.

**Gap bound** (a ``restricted`` run). Flows of (o, p, t) are at most ``supply(t) + U(t-1)`` on
days stock could be released (``U``: the supply of (o, p) up to that day), ``supply(t)``
otherwise, and summed over the days at most the horizon's supply: the route shortfalls are a
fractional knapsack per (origin, product); each cell adds ``U(s) x max(0, -beta)``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["BAND_EPS", "HoldStock", "hold_stock", "stock_shortfall"]

#: hours slack of a shelf row (a route of ``fits_h + 1e-9`` hours fits)
SHELF_EPS_H = 1e-9
#: a shelf dual at or below this opens no band of its own (its amount is taken off instead)
BAND_EPS = 1e-9


@dataclass
class HoldStock:
    """What the stock rows add to a dated certificate.

    Attributes
    ----------
    shelf : dict
        ``(origin, product, day) -> [(age threshold, fits_h, D)]`` sorted by threshold.
    releasable : set
        ``(origin, product, day)`` with a supply row on which stock could be released.
    cells : DataFrame
        One row per candidate cell: origin, product_id, held_day, first_release, last_day,
        beta (USD/t), most_t (``U(s)``).
    checks : list of DataFrame
        ``stock_cell_dual`` rows.
    """

    shelf: dict = field(default_factory=dict)
    releasable: set = field(default_factory=set)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    checks: list = field(default_factory=list)

    def bands(self, origin: str, product: str, day: int) -> tuple[list, float]:
        """``([(hours cap, P_a)], skipped)``: the capped searches of (origin, product, day) and
        the positive shelf duals that open none (module docstring)."""
        out, running, skipped = [], 0.0, 0.0
        for _, fits, dual in self.shelf.get((origin, product, day), ()):
            running += dual
            if fits < 0:
                continue  # no route fits: the row prices nothing
            if dual > BAND_EPS:
                out.append((fits + SHELF_EPS_H, running))
            else:
                skipped += max(dual, 0.0)
        return out, skipped

    @property
    def shortfall_usd(self) -> float:
        """Cells' stock columns below 0 times the most they can hold (USD)."""
        if self.cells.empty:
            return 0.0
        return float((self.cells["most_t"] * np.maximum(0.0, -self.cells["beta"])).sum())


def has_stock_rows(facts, results) -> bool:
    """True if the run is dated and its scenario holds dispatch, or it kept stock rows."""
    events = getattr(getattr(facts, "scenario", None), "events", ())
    stock = results.get("origin_stock")
    return bool(facts.dated) and (any(getattr(ev, "hold_dispatch", None) is not None
                                      for ev in events)
                                  or (stock is not None and len(stock) > 0))


def _holds(facts, entries: pd.DataFrame | None) -> list[tuple]:
    """``[(days in force (bool array), origins (tuple, empty: all), gates {(crossing,
    direction)})]`` per hold event, from the verifier's own gate-entry rows."""
    if entries is None:
        from borderflow.verify.levers import entry_rows  # the verifier's, not the model's

        entries = entry_rows(facts)
    hold = entries[entries["kind"] == "hold_dispatch"] if len(entries) else entries
    out = []
    for _, g in hold.groupby("key", sort=True):
        on = np.zeros(facts.n_periods, dtype=bool)
        on[g["period"].to_numpy(dtype=np.int64)] = True
        out.append((on, tuple(g["origins"].iloc[0]),
                    set(zip(g["crossing_id"], g["direction"]))))
    return out


def _witnesses(results) -> dict:
    """``(origin, product) -> {(crossing, direction)}`` the run's own routes take."""
    rf, arcs = results.get("route_flows"), results.get("route_arcs")
    if rf is None or arcs is None or rf.empty or arcs.empty:
        return {}
    cross = arcs[arcs["kind"] == "crossing"][["route_id", "element_id", "direction"]]
    pairs = rf[["route_id", "origin", "product_id"]].drop_duplicates().merge(cross,
                                                                            on="route_id")
    out = defaultdict(set)
    for o, p, c, d in zip(pairs["origin"], pairs["product_id"], pairs["element_id"],
                          pairs["direction"]):
        out[(o, p)].add((c, d))
    return out


def _first_off(on_rows: list, s: int, n: int, every: bool) -> int:
    """First day after ``s`` on which every (``every``) or some of the holds is lifted."""
    if not on_rows:
        return n
    stack = np.array([on[s + 1:] for on in on_rows])
    free = ~stack.any(axis=0) if every else ~stack.all(axis=0)
    idx = np.flatnonzero(free)
    return s + 1 + int(idx[0]) if len(idx) else n


def hold_stock(facts, results, pi: dict, entries: pd.DataFrame | None, report,
               reaches=None) -> HoldStock:
    """The shelf bands, the candidate cells and their ``stock_cell_dual`` rows (module
    docstring). ``pi``: supply duals per (origin, product, day); ``report``: the
    certificate's row maker; ``reaches(origin, product, gates)``: True if some route of the
    product from the origin takes one of ``gates`` (the certificate's own search; None: only
    the run's routes witness it)."""
    out = HoldStock()
    sd = results.get("stock_duals")
    if sd is not None and len(sd):
        rows = sorted(zip(sd["origin"], sd["product_id"], sd["period"].astype(int),
                          sd["age_days"].astype(int), sd["fits_h"].astype(float),
                          pd.to_numeric(sd["dual_usd_per_t"], errors="coerce").astype(float)))
        for o, p, t, a, fits, dual in rows:
            out.shelf.setdefault((o, p, t), []).append((a, fits, 0.0 if math.isnan(dual)
                                                        else dual))
    n = facts.n_periods
    holds = _holds(facts, entries)
    seen = _witnesses(results)
    sup = {(o, p, int(t)): float(v) for o, p, t, v in zip(
        facts.supply["origin"], facts.supply["product_id"], facts.supply["period"],
        facts.supply["supply_t"])}
    days = defaultdict(list)
    for o, p, t in sorted(sup):
        days[(o, p)].append(t)
    cells = []
    for (o, p), ts in days.items():
        mine = [h for h in holds if not h[1] or o in h[1]]
        if not mine:
            continue
        prod = facts.products.loc[p]
        shelf, pen = float(prod["shelf_h"]), float(prod["penalty_usd_per_t"])
        age = int(shelf // 24) if bool(prod["perishable"]) and math.isfinite(shelf) else n
        upto = np.cumsum([sup[(o, p, t)] for t in ts])
        for i, s in enumerate(ts):
            inforce = [h for h in mine if h[0][s]]
            if not inforce or (sup[(o, p, s)] <= 0 and (o, p, s) not in out.releasable):
                continue
            lb = _first_off([h[0] for h in inforce], s, n, every=False)
            first = _first_off([h[0] for h in inforce], s, n, every=True)
            if lb != first:  # holds lifted on different days: which of them hold the cell
                known = [h[0] for h in inforce if h[2] & seen.get((o, p), set())
                         or (reaches is not None and reaches(o, p, frozenset(h[2])))]
                if not known and reaches is not None:
                    continue  # no route of (o, p) takes a held gate: no such cell
                first = _first_off(known, s, n, every=True) if known else lb
            last = min(s + age, n - 1)
            p_s = pi.get((o, p, s), 0.0)
            beta = pen - p_s
            for t in range(first, last + 1):
                k = t - s
                shelf_d = sum(d for a, _, d in out.shelf.get((o, p, t), ()) if a <= k)
                beta = min(beta, (pi.get((o, p, t), 0.0) if (o, p, t) in sup else 0.0)
                           + shelf_d - p_s)
                if (o, p, t) in sup:
                    out.releasable.add((o, p, t))
            cells.append((o, p, s, first, last, beta, float(upto[i]), max(abs(p_s), pen)))
    out.cells = pd.DataFrame(cells, columns=["origin", "product_id", "held_day",
                                             "first_release", "last_day", "beta", "most_t",
                                             "scale"])
    c = out.cells
    labels = np.asarray(facts.labels, dtype=object)
    out.checks.append(report(
        "stock_cell_dual", ("origin " + c["origin"].astype(str) + " / " + c["product_id"]
                            + " held @" + labels[c["held_day"].to_numpy(dtype=np.int64)]
                            .astype(str)).to_numpy() if len(c) else np.array([], dtype=object),
        np.maximum(0.0, -c["beta"].to_numpy(dtype=float)), "USD/t",
        c["scale"].to_numpy(dtype=float)))
    return out


def stock_shortfall(routes: pd.DataFrame, facts, stock: HoldStock) -> float:
    """Route shortfalls times the most flow each (origin, product, day) can carry: a
    fractional knapsack per (origin, product), each day up to ``supply(t) + U(t - 1)`` where
    stock could be released (else ``supply(t)``), the horizon's supply in all (USD)."""
    rc = routes["min_reduced_cost_usd_per_t"].to_numpy(dtype=float)
    short = np.where(np.isfinite(rc), np.maximum(0.0, -rc), 0.0)
    sup = facts.supply.groupby(["origin", "product_id"])
    daily = {k: dict(zip(g["period"].astype(int), g["supply_t"].astype(float))) for k, g in sup}
    total = 0.0
    table = routes.assign(short=short)
    for (o, p), g in table[table["short"] > 0].groupby(["origin", "product_id"], sort=True):
        day = daily.get((o, p), {})
        most = []
        for t in g["period"].astype(int):
            before = sum(v for d, v in day.items() if d < t)
            most.append(day.get(t, 0.0) + (before if (o, p, t) in stock.releasable else 0.0))
        left = sum(day.values())
        for i in np.argsort(-g["short"].to_numpy(), kind="stable"):
            if left <= 0:
                break
            take = min(most[i], left)
            total += take * float(g["short"].iloc[i])
            left -= take
    return total
