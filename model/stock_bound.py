r"""Pricing and gap bound of dated runs with stock at origins (a dispatch hold, issue 17).

A dated run whose scenario holds dispatch (:func:`~borderflow.model.origin_stock.has_hold`;
also when no route flow of the model is held yet, since a route the model lacks may be) has
the family of :mod:`borderflow.model.origin_stock`:
stock ``S``, releases ``r`` and write-offs ``w`` per *cell* (origin, product, held day ``s``),
and the shelf rows ``origin_stock_shelf`` (``<= 0``) of each (origin ``o``, product ``p``,
release day ``t``, age threshold ``a``): releases of age ``>= a`` at most the route flows of
that day whose hours fit ``shelf - 24 a``. The derivation is in docs/certified-routing.md
("Dated runs with a dispatch hold"); in short, with ``y`` the restricted model's duals:

**Route columns.** A new route flow of (o, p, t) with ``h`` hours is in the supply row (dual
:math:`\pi`) and, with coefficient ``-1``, in every shelf row of (o, p, t) whose threshold it
fits. Its reduced cost is the dated one (:mod:`borderflow.model.dated_pricing`) plus
:math:`\sum_{a:\,h \le \text{shelf} - 24a} \eta_{o,p,t,a}` (:math:`\eta \le 0`, HiGHS's dual of a
``<=`` row): a step function of the route's hours. With :math:`P_a = \sum_{a' \le a}\eta_{a'}`
and :math:`M_a` the least dated reduced cost over routes of at most ``shelf - 24 a`` hours,
:math:`\min_a (M_a + P_a)` is a lower bound on the least reduced cost of (o, p, t), exact when
every :math:`\eta \le 0` (each ``M_a`` is one more search, a *band*, with the hours capped and
:math:`P_a` added). The columns found are re-costed with their own hours before use.

**Most flow.** Released stock adds to a day's supply, so the route flows of (o, p, t) are at
most ``supply(t) + U(t-1)`` when stock may be released on ``t`` (``U``: the supply of (o, p)
up to that day, everything stock can hold) and, summed over the days, at most the supply of
the horizon (each tonne leaves its origin once): a fractional knapsack per (origin, product).

**New cells.** A route the model lacks may be held where no route of the model is, opening a
cell the model does not have. Its rows are new: giving its balance and expiry rows the dual
:math:`\pi_s` leaves its stock columns a reduced cost 0 (write-off and stock left at the end:
``penalty - pi_s``) and a release on day ``t`` (age ``t - s``)
:math:`\pi_t - \pi_s - \sum_{a \le t-s} \eta_{o,p,t,a}`; shelf rows the model lacks are
relaxed (dual 0). Everything leaving such a cell is at most ``U(s)``.

Weak duality then bounds the optimum over every route from below by the objective minus those
shortfalls (:func:`stock_gap_bound`). The run is certified only when nothing falls short and
no route could make an existing cell wait longer (a cell held by more hold events than those
of its routes in the model); otherwise ``restricted`` with the bound. ``borderflow verify``
re-checks both with its own code (:mod:`borderflow.certificate_stock`, from the exported
``stock_duals`` and supply duals; the balance and expiry rows need no export: the verifier
gives them the held day's supply dual, as above).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .formulation import BuiltModel
from .levers import entry_limits
from .network import FreightNetwork
from .origin_stock import shelf_rows

__all__ = ["StockPricing", "corrected_columns", "hold_cells", "least_by_pair",
           "new_cell_betas", "releasable", "shelf_bands", "shelf_duals", "stock_gap_bound"]

#: hours slack of the shelf rows (:func:`borderflow.model.origin_stock.shelf_terms`)
SHELF_EPS_H = 1e-9
KEYS = ["origin", "product_id", "period"]


@dataclass
class StockPricing:
    """What a priced dated run with stock at origins adds to its pricing pass.

    Attributes
    ----------
    shelf : DataFrame
        The shelf rows with their dual (:func:`shelf_duals`).
    supply_usd_per_t : dict
        :math:`\\pi` per (origin, product_id, period).
    cells : DataFrame
        Every cell a route of the network could open (:func:`hold_cells`).
    """

    shelf: pd.DataFrame
    supply_usd_per_t: dict
    cells: pd.DataFrame


def shelf_duals(session, built: BuiltModel) -> pd.DataFrame:
    """The ``origin_stock_shelf`` rows of a solved model (``origin, product_id, period,
    shelf_h, a, row``) and ``dual``: HiGHS's row dual :math:`\\eta` (USD/t, ``<= 0`` at an
    optimum up to solver noise; not clipped)."""
    from .column_generation import _row_duals

    if built.stock is None:  # a hold that holds no route flow of the model: no shelf rows
        return pd.DataFrame(columns=[*KEYS, "shelf_h", "a", "row", "dual"])
    rows = shelf_rows(built.stock)
    comp = getattr(built.model, "origin_stock_shelf", None)
    dual = _row_duals(session, comp) if comp is not None and len(comp) else np.zeros(0)
    return rows.assign(dual=np.asarray(dual, dtype=float)[:len(rows)])


def shelf_bands(shelf: pd.DataFrame) -> dict:
    """The bands each (origin, product, release day) is searched with: ``(a, hours cap h,
    offset USD/t)``, the cap ``shelf - 24 a`` and the offset :math:`P_a` (module docstring);
    thresholds no route can fit (cap below 0 h) are left out."""
    out = {}
    for key, g in shelf.sort_values("a", kind="stable").groupby(KEYS, sort=False):
        prefix = np.cumsum(g["dual"].to_numpy(dtype=float))
        caps = g["shelf_h"].to_numpy(dtype=float) - 24.0 * g["a"].to_numpy(dtype=float)
        out[tuple(key)] = [(int(a), float(c) + SHELF_EPS_H, float(p))
                           for a, c, p in zip(g["a"], caps, prefix) if c >= 0]
    return out


def _shelf_term(table: pd.DataFrame, shelf: pd.DataFrame) -> np.ndarray:
    """Per row of ``table`` (origin, product_id, period, hours): the sum of the duals of the
    shelf rows of its (origin, product, day) its hours fit."""
    if table.empty or shelf.empty:
        return np.zeros(len(table))
    t = table[KEYS + ["hours"]].reset_index(drop=True).assign(_i=np.arange(len(table)))
    m = t.merge(shelf[KEYS + ["shelf_h", "a", "dual"]], on=KEYS)
    fits = m["hours"].to_numpy() <= m["shelf_h"].to_numpy() - 24.0 * m["a"].to_numpy() \
        + SHELF_EPS_H
    return np.bincount(m["_i"].to_numpy()[fits], weights=m["dual"].to_numpy()[fits],
                       minlength=len(table))


def corrected_columns(columns: pd.DataFrame, shelf: pd.DataFrame,
                      tolerance_usd_per_t: float) -> pd.DataFrame:
    """The columns of a banded pass re-costed with their own hours (reported minus the band's
    offset plus the duals of the shelf rows they fit), those below ``-tolerance`` only, the
    least per (route arcs, product, day, departure) kept; ``band`` columns dropped."""
    if columns.empty:
        return columns.drop(columns=["band", "offset_usd_per_t"], errors="ignore")
    rc = columns["reduced_cost_usd_per_t"].to_numpy(dtype=float) \
        - columns["offset_usd_per_t"].to_numpy(dtype=float) + _shelf_term(columns, shelf)
    out = columns.drop(columns=["band", "offset_usd_per_t"]).assign(reduced_cost_usd_per_t=rc)
    out = out[rc < -tolerance_usd_per_t]
    out = out.assign(_arcs=out["arcs"].map(tuple)).sort_values(
        "reduced_cost_usd_per_t", kind="stable")
    out = out.drop_duplicates(["origin", "product_id", "_arcs", "period", "departure"])
    return out.drop(columns="_arcs").sort_values(KEYS, kind="stable").reset_index(drop=True)


def least_by_pair(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (origin, product, day) of a banded pass: the least of its bands'
    ``min_reduced_cost_usd_per_t`` (a lower bound; exact when every shelf dual is ``<= 0``),
    ``exact`` when every band's search was."""
    if pairs.empty or "band" not in pairs:
        return pairs
    base = pairs[pairs["band"] == 0].drop(columns=["band", "offset_usd_per_t"])
    agg = pairs.groupby(KEYS, sort=False).agg(
        least=("min_reduced_cost_usd_per_t", "min"), all_exact=("exact", "all"),
        all_labels=("labels", "sum"))
    agg = agg.reindex(pd.MultiIndex.from_frame(base[KEYS]))
    return base.assign(min_reduced_cost_usd_per_t=agg["least"].to_numpy(),
                       exact=agg["all_exact"].to_numpy(dtype=bool),
                       labels=agg["all_labels"].to_numpy()).reset_index(drop=True)


def hold_cells(net: FreightNetwork, built: BuiltModel) -> pd.DataFrame:
    """Every (origin, product, held day) a route of the network could make a cell of:
    ``origin, product_id, held_day``, ``events`` (the hold events of that origin in force
    that day, a frozenset), ``first_release_lb`` (the first later day on which one of them is
    no longer in force: no cell of that day can release earlier; ``n``: none within the
    days), ``first_release_ub`` (the first later day on which none of them is: no cell of
    that day releases later); and the model's own cells (with their release day) when the
    scenario no longer holds them (a baseline solved on the hold's model)."""
    n = built.index.n_periods
    lim = entry_limits(net)
    hold = lim[lim["kind"] == "hold_dispatch"]
    force = {}
    for e, g in hold.groupby("event"):
        on = np.zeros(n, dtype=bool)
        on[g["period"].to_numpy(dtype=np.int64)] = True
        force[int(e)] = (on, tuple(g["origins"].iloc[0]))
    supply = net.supply[net.supply["supply_t"] > 0]
    pairs = supply[["origin", "product_id"]].drop_duplicates()
    rows = []
    for o, p in pairs.itertuples(index=False, name=None):
        mine = {e: on for e, (on, origins) in force.items() if not origins or o in origins}
        for s in range(n):
            events = frozenset(e for e, on in mine.items() if on[s])
            if not events:
                continue
            later = np.arange(s + 1, n)
            inforce = np.array([mine[e][s + 1:] for e in sorted(events)])
            some_off = later[~inforce.all(axis=0)]
            all_off = later[~inforce.any(axis=0)]
            rows.append((o, p, s, events, int(some_off[0]) if len(some_off) else n,
                         int(all_off[0]) if len(all_off) else n))
    out = pd.DataFrame(rows, columns=["origin", "product_id", "held_day", "events",
                                      "first_release_lb", "first_release_ub"])
    if built.stock is not None:  # the model's own cells (a baseline keeps them, hold lifted)
        own = built.stock.cells[["origin", "product_id", "held_day", "first_release"]]
        seen = set(zip(out["origin"], out["product_id"], out["held_day"]))
        own = own[[k not in seen for k in zip(own["origin"], own["product_id"],
                                              own["held_day"])]]
        out = pd.concat([out, pd.DataFrame({
            "origin": own["origin"].to_numpy(), "product_id": own["product_id"].to_numpy(),
            "held_day": own["held_day"].to_numpy(dtype=np.int64),
            "events": [frozenset()] * len(own),
            "first_release_lb": own["first_release"].to_numpy(dtype=np.int64),
            "first_release_ub": own["first_release"].to_numpy(dtype=np.int64)})],
            ignore_index=True)
    return out


def _knapsack(short: np.ndarray, most: np.ndarray, total: float) -> float:
    """Most of ``sum(short x)`` with ``0 <= x <= most`` and ``sum(x) <= total``."""
    value, left = 0.0, float(total)
    for i in np.argsort(-short, kind="stable"):
        if short[i] <= 0 or left <= 0:
            break
        take = min(float(most[i]), left)
        value += take * float(short[i])
        left -= take
    return value


def releasable(net: FreightNetwork, built: BuiltModel, cells: pd.DataFrame) -> pd.DataFrame:
    """(origin, product_id, period) on which stock of some cell (``cells``, :func:`hold_cells`)
    could be released: priced even when the origin supplies nothing that day."""
    n = built.index.n_periods
    rows = set()
    for c in cells.itertuples(index=False):
        age = _max_age(net.products, c.product_id, n)
        rows.update((c.origin, c.product_id, t) for t in range(int(c.first_release_lb),
                                                               min(c.held_day + age, n - 1) + 1))
    return pd.DataFrame(sorted(rows), columns=KEYS)


def stock_gap_bound(pairs: pd.DataFrame, net: FreightNetwork, built: BuiltModel,
                    stock: StockPricing, tolerance_usd_per_t: float
                    ) -> tuple[float, float, list[str]]:
    """``(least reduced cost USD/t, gap bound USD, notes)`` of a pricing pass of a run with
    stock at origins (module docstring): route shortfalls times the most flow a day's routes
    can carry (a knapsack per origin and product), plus what cells the model lacks could
    make. ``notes``: why the run cannot be certified although no route column prices out
    (empty: nothing)."""
    n = built.index.n_periods
    cells = stock.cells
    daily = net.supply.groupby(KEYS)["supply_t"].sum().unstack("period").reindex(
        columns=range(n)).fillna(0.0)
    upto = daily.cumsum(axis=1)
    have = pd.DataFrame(columns=["origin", "product_id", "held_day", "first_release"]) \
        if built.stock is None else built.stock.cells
    have = have.set_index(["origin", "product_id", "held_day"])
    notes, gap = [], 0.0
    # routes: fractional knapsack per (origin, product)
    rc = pairs["min_reduced_cost_usd_per_t"].to_numpy(dtype=float)
    finite = np.isfinite(rc)
    least = float(rc[finite].min()) if finite.any() else 0.0
    short = np.where(finite, np.maximum(0.0, -rc), 0.0)
    table = pairs[KEYS].assign(short=np.where(short > tolerance_usd_per_t, short, 0.0))
    release = set(zip(*[releasable(net, built, cells)[k] for k in KEYS]))
    for (o, p), g in table[table["short"] > 0].groupby(["origin", "product_id"], sort=False):
        if (o, p) not in daily.index:
            continue
        day, cum = daily.loc[(o, p)].to_numpy(), upto.loc[(o, p)].to_numpy()
        t = g["period"].to_numpy(dtype=np.int64)
        out = np.array([(o, p, int(d)) in release and d > 0 for d in t])
        most = day[t] + np.where(out, cum[np.maximum(t - 1, 0)], 0.0)
        gap += _knapsack(g["short"].to_numpy(), most, float(cum[-1]))
    # cells the model lacks
    betas = new_cell_betas(net, built, stock)
    for c in cells.itertuples(index=False):
        key = (c.origin, c.product_id, int(c.held_day))
        if key in have.index and int(have.loc[key, "first_release"]) != int(c.first_release_ub):
            notes.append(f"{c.origin} {c.product_id} held on day {c.held_day}: a route "
                         "not in the model could be held by more hold events and make "
                         "its stock wait longer")
    new = 0
    for (o, p, s), beta in betas.items():
        if beta < -tolerance_usd_per_t:
            new += 1
            if (o, p) in upto.index:
                gap += float(upto.loc[(o, p)].iloc[s]) * -beta
    if new:
        notes.append(f"{new} (origin, product, held day) cell{'s' if new > 1 else ''} of stock "
                     "at origin the model lacks could lower the objective (a held route not in "
                     "the model would open them); the gap bound counts them")
    return least, gap, notes


def new_cell_betas(net: FreightNetwork, built: BuiltModel, stock: StockPricing) -> dict:
    """``(origin, product, held day) -> beta`` (USD/t) for every cell of ``stock.cells`` the
    model lacks: the least reduced cost of its stock columns (module docstring, "New cells");
    below ``-tolerance`` a held route would open a cell that lowers the objective."""
    n = built.index.n_periods
    pi = stock.supply_usd_per_t
    pen = built.index.unserved.groupby(["origin", "product_id"])["penalty_usd_per_t"].first()
    have = set() if built.stock is None else set(zip(
        built.stock.cells["origin"], built.stock.cells["product_id"],
        built.stock.cells["held_day"].astype(int)))
    shelf = stock.shelf.set_index(KEYS + ["a"])["dual"].to_dict()
    out = {}
    for c in stock.cells.itertuples(index=False):
        key = (c.origin, c.product_id, int(c.held_day))
        if key in have:
            continue
        s, age = key[2], _max_age(net.products, c.product_id, n)
        pi_s = float(pi.get(key, 0.0))
        beta = float(pen.get((c.origin, c.product_id), 0.0)) - pi_s
        for t in range(int(c.first_release_lb), min(s + age, n - 1) + 1):
            eta = sum(shelf.get((c.origin, c.product_id, t, a), 0.0) for a in range(1, t - s + 1))
            beta = min(beta, float(pi.get((c.origin, c.product_id, t), 0.0)) - pi_s - eta)
        out[key] = beta
    return out


def _max_age(products: pd.DataFrame, product_id: str, n: int) -> int:
    """Days cargo of ``product_id`` may wait at origin (``floor(shelf / 24)``; ``n`` for a
    non-perishable), as :func:`borderflow.model.origin_stock.stock_index`."""
    p = products.loc[product_id]
    shelf = float(p["shelf_life_h"])
    if bool(p["perishable"]) and np.isfinite(shelf):
        return int(np.floor(shelf / 24.0))
    return n
