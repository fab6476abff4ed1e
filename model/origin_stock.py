"""Stock at origins under a dispatch hold (issue 21): held cargo waits at origin, ageing.

A ``hold_dispatch`` event keeps trucks bound for a gate from leaving their origins between two
dates (:mod:`borderflow.model.levers` bounds those route flows to 0). In a *dated* run the
supply that cannot leave may instead go into stock at its origin and leave on or after the
hold's end (the first day none of the events that held it is in force), on any route whose hours
still fit what is left of its shelf life. Without this family the held
cargo could only reroute or go unserved (an upper bound on the hold's cost).

The family exists only in dated runs whose scenario has a hold (every other model is
unchanged, variable for variable). A static run keeps the hold's meaning of
:mod:`borderflow.model.levers`: the representative day's gate limit is cut by the held share
of days, with no stock (a static day has no "later").

Indices: a *cell* ``h`` is an (origin ``o``, product ``p``, held day ``s``) on which some route
flow from ``o`` of ``p`` is held; its stock ``S[h, t]`` (t, end of day ``t``, ``t = s ..
min(s + A_p, T)``, age ``a = t - s`` days) is ``origin_stock[j]``, with ``j`` a row of
:func:`stock_index`. ``A_p = floor(shelf_life_h / 24)`` for a perishable, the horizon
otherwise.

.. math::

    \\sum_{f \\in R(o,p,t)} x_f + u_{o,p,t} + S_{h(o,p,t),t}
        = s_{o,p,t} + \\sum_{j:\\,(o,p,t_j)=(o,p,t)} r_j     && \\text{(supply balance, in)}

    S_{h,t} + r_{h,t} = S_{h,t-1}, \\quad t > s_h              && \\text{(origin_stock_balance)}

    w_h = S_{h, s_h + A_p} \\quad (s_h + A_p + 1 \\le T)          && \\text{(origin_stock_expiry)}

    \\sum_{j: t_j = t,\\ a_j \\ge a} r_j
        \\le \\sum_{f \\in R(o,p,t):\\ \\text{hours}_f \\le \\text{shelf}_p - 24 a} x_f
        \\quad a = 1 .. A_p                                 && \\text{(origin_stock_shelf)}

The shelf rows are nested (the routes a cargo of age ``a`` may take include those of any older
one), so by Hall's theorem they are exactly what lets released cargo of every age be assigned
to route flows that fit its remaining shelf life. Cargo expiring at origin (``w``) and cargo
still in stock at the end of the last day are valued at the product's penalty (USD/t), like
every other write-off; waiting at origin costs nothing else (no storage tariff in the data).

Not modelled (said in every such run's optimality line, :func:`stock_sentence`): the gate
queue does not know a released cargo's age, so such cargo may wait at the gate up to the
fresh-cargo limit ``W_k``; the optimum is then a lower bound of the hold's cost with stock
(the run without stock is the upper bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from borderflow.data.scenario import HoldDispatchEvent

from .indices import SUPPLY_KEYS, IndexTables
from .levers import period_share, entry_limits, entry_terms, gate_reach
from .network import FreightNetwork
from .routes import RouteSet
from .terms import add_rows, index_set, terms

STOCK_SENTENCE = ("held cargo waits at origin (origin_stock); released cargo's gate-queue wait "
                  "is limited as for fresh cargo, so the hold's cost is a lower bound")


@dataclass(frozen=True)
class StockIndex:
    """Index tables of the origin-stock family.

    Attributes
    ----------
    stock : DataFrame
        One row per variable ``origin_stock[j]`` / ``stock_release[j]``: ``j, h, origin,
        product_id, held_day (s), period (t), age_days``.
    cells : DataFrame
        One row per cell ``h``: ``h, origin, product_id, held_day, max_age_days,
        penalty_usd_per_t, perishable, shelf_life_h``; ``expires`` (the day of write-off, -1:
        not within the horizon), ``w`` (its ``stock_writeoff`` index, -1: none) and
        ``first_release`` (the first day after the held day on which none of the events that
        held its flows is in force: the hold's end; released cargo leaves on or after it).
    """

    stock: pd.DataFrame
    cells: pd.DataFrame


def has_hold(net: FreightNetwork) -> bool:
    """True if ``net`` is dated and its scenario holds dispatch somewhere."""
    return net.dated and any(isinstance(ev, HoldDispatchEvent) for ev in net.scenario.events)


def held_stock(net: FreightNetwork, ix: IndexTables, routes: RouteSet) -> StockIndex | None:
    """The origin-stock index of a dated run with a dispatch hold (None otherwise, and when
    the hold holds no route flow)."""
    if not has_hold(net):
        return None
    limits = entry_limits(net)
    hold = limits[limits["kind"] == "hold_dispatch"].reset_index(drop=True)
    held = entry_terms(hold, gate_reach(net, ix, routes))
    if held.empty:
        return None
    si = stock_index(net, ix, held["f"].to_numpy(dtype=np.int64))
    # the hold's end: the first day after the held day on which none of the events that
    # held the cell's flows is in force
    ev = hold["event"].to_numpy()[held["row"].to_numpy(dtype=np.int64)]
    fl = ix.flows.set_index("f").loc[held["f"].to_numpy(dtype=np.int64),
                                     ["origin", "product_id", "period"]]
    by_cell = pd.DataFrame({"origin": fl["origin"].to_numpy(),
                            "product_id": fl["product_id"].to_numpy(),
                            "held_day": fl["period"].to_numpy(), "event": ev})
    share = {e: period_share(net, net.scenario.events[e]) > 0 for e in set(ev.tolist())}
    first = {}
    for key, g in by_cell.groupby(["origin", "product_id", "held_day"], sort=False):
        inforce = np.logical_or.reduce([share[e] for e in set(g["event"].tolist())])
        free = np.flatnonzero(~inforce[key[2] + 1:])
        first[key] = key[2] + 1 + int(free[0]) if len(free) else ix.n_periods
    cells = si.cells.assign(first_release=[first[k] for k in zip(
        si.cells["origin"], si.cells["product_id"], si.cells["held_day"])])
    return StockIndex(stock=si.stock, cells=cells)


def stock_index(net: FreightNetwork, ix: IndexTables, held_flows: np.ndarray) -> StockIndex:
    """The cells (origin, product, held day) of the held route flows ``held_flows`` (their
    ``f``) and their stock days.

    Returns
    -------
    StockIndex
    """
    n = ix.n_periods
    fl = ix.flows.set_index("f").loc[np.unique(held_flows), ["origin", "product_id", "period"]]
    cells = fl.drop_duplicates().rename(columns={"period": "held_day"})
    cells = cells.sort_values(["origin", "product_id", "held_day"], kind="stable",
                              ignore_index=True)
    p = net.products.loc[cells["product_id"]]
    shelf = p["shelf_life_h"].to_numpy(dtype=float)
    perishable = p["perishable"].to_numpy(dtype=bool) & np.isfinite(shelf)
    max_age = np.where(perishable, np.floor(np.where(perishable, shelf, 0) / 24.0), n)
    cells = cells.assign(h=np.arange(len(cells)), max_age_days=max_age.astype(np.int64),
                         perishable=perishable, shelf_life_h=shelf)
    pen = ix.unserved.set_index(["origin", "product_id"])["penalty_usd_per_t"]
    pen = pen[~pen.index.duplicated()]
    cells["penalty_usd_per_t"] = pen.reindex(
        pd.MultiIndex.from_frame(cells[["origin", "product_id"]])).to_numpy(dtype=float)
    expires = cells["held_day"] + cells["max_age_days"] + 1
    cells["expires"] = np.where(perishable & (expires <= n - 1), expires, -1)
    has_w = cells["expires"] >= 0
    cells["w"] = -1
    cells.loc[has_w, "w"] = np.arange(int(has_w.sum()))
    last = np.minimum(cells["held_day"] + cells["max_age_days"], n - 1)
    count = (last - cells["held_day"] + 1).to_numpy(dtype=np.int64)
    rep = np.repeat(np.arange(len(cells)), count)
    age = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    c = cells.iloc[rep].reset_index(drop=True)
    stock = pd.DataFrame({"j": np.arange(len(rep)), "h": c["h"], "origin": c["origin"],
                          "product_id": c["product_id"], "held_day": c["held_day"],
                          "period": c["held_day"].to_numpy() + age, "age_days": age})
    return StockIndex(stock=stock, cells=cells)


def define_origin_stock_variables(m: pyo.ConcreteModel, si: StockIndex) -> None:
    """``origin_stock[j]`` (t at origin at the end of day), ``stock_release[j]`` (t/day
    dispatched from stock; 0 before the hold's end, ``first_release``), ``stock_writeoff[w]``
    (t expired)."""
    nn = pyo.NonNegativeReals
    m.origin_stock = pyo.Var(index_set(len(si.stock)), domain=nn)
    m.stock_release = pyo.Var(index_set(len(si.stock)), domain=nn)
    m.stock_writeoff = pyo.Var(index_set(int((si.cells["w"] >= 0).sum())), domain=nn)
    first = si.cells.set_index("h")["first_release"].reindex(si.stock["h"]).to_numpy()
    for j in np.flatnonzero(si.stock["period"].to_numpy() < first):
        m.stock_release[int(j)].setub(0.0)


def supply_terms(ix: IndexTables, si: StockIndex) -> pd.DataFrame:
    """Terms of the origin stock in ``supply_balance``: ``+S`` on the held day (into stock),
    ``-r`` on the day of release."""
    st = si.stock
    row = ix.supply_row(st[SUPPLY_KEYS])
    fresh = (st["age_days"] == 0).to_numpy() & (row >= 0)
    out = (st["age_days"] > 0).to_numpy() & (row >= 0)
    return pd.concat([terms(row[fresh], "origin_stock", st["j"].to_numpy()[fresh], 1.0),
                      terms(row[out], "stock_release", st["j"].to_numpy()[out], -1.0)],
                     ignore_index=True)


def define_origin_stock(m: pyo.ConcreteModel, ix: IndexTables, si: StockIndex) -> None:
    """Rows ``origin_stock_balance``, ``origin_stock_expiry`` and ``origin_stock_shelf`` (see
    the module's formulas). Variables must exist (:func:`define_origin_stock_variables`);
    the supply-balance terms are :func:`supply_terms`."""
    st = si.stock
    # balance: S[j] + r[j] - S[j - 1] = 0 for age >= 1 (rows of one cell are consecutive)
    older = st[st["age_days"] > 0]
    rows = np.arange(len(older))
    jj = older["j"].to_numpy()
    add_rows(m, "origin_stock_balance", len(older), pd.concat([
        terms(rows, "origin_stock", jj, 1.0), terms(rows, "stock_release", jj, 1.0),
        terms(rows, "origin_stock", jj - 1, -1.0)], ignore_index=True),
        lower=np.zeros(len(older)), upper=np.zeros(len(older)))
    # expiry: w[h] = S[cell h at its last age]
    cw = si.cells[si.cells["w"] >= 0]
    at = st.merge(cw[["h", "w", "max_age_days"]], on="h")
    at = at[at["age_days"] == at["max_age_days"]]
    r = np.arange(len(at))
    add_rows(m, "origin_stock_expiry", len(at), pd.concat([
        terms(r, "stock_writeoff", at["w"].to_numpy(), 1.0),
        terms(r, "origin_stock", at["j"].to_numpy(), -1.0)], ignore_index=True),
        lower=np.zeros(len(at)), upper=np.zeros(len(at)))
    t = shelf_terms(ix, si)
    n = int(t["row"].max()) + 1 if len(t) else 0
    add_rows(m, "origin_stock_shelf", n, t, upper=np.zeros(n))


def shelf_rows(si: StockIndex) -> pd.DataFrame:
    """The rows of ``origin_stock_shelf`` in order: ``origin, product_id, period`` (release
    day), ``shelf_h`` (shelf life, h), ``a`` (age threshold, days >= 1), ``row``; one per
    (origin, product, release day, threshold) with a possible release (empty: none)."""
    rel = si.stock[si.stock["age_days"] > 0]
    shelf = si.cells.set_index("h")["shelf_life_h"]
    keys = rel[["origin", "product_id", "period"]].assign(
        shelf_h=shelf.loc[rel["h"]].to_numpy())
    thresholds = keys.merge(rel[["origin", "product_id", "period", "age_days"]],
                            on=["origin", "product_id", "period"]).drop_duplicates(
        ["origin", "product_id", "period", "age_days"]).rename(columns={"age_days": "a"})
    thresholds = thresholds.sort_values(["origin", "product_id", "period", "a"],
                                        kind="stable", ignore_index=True)
    thresholds["row"] = np.arange(len(thresholds))
    return thresholds


def stock_duals(net, si: StockIndex | None, duals: np.ndarray) -> pd.DataFrame:
    """The ``stock_duals`` result table: one row per ``origin_stock_shelf`` row
    (:func:`shelf_rows`): ``origin, product_id, period`` (release day), ``date``, ``shelf_h``
    (shelf life, h), ``age_days`` (threshold a: releases of age >= a), ``fits_h`` (``shelf_h
    - 24 a``: the longest route, h, the row counts) and ``dual_usd_per_t``: minus HiGHS's dual
    of the ``<= 0`` row (``>= 0`` up to solver noise, not clipped), what a route flow of that
    origin, product and day of at most ``fits_h`` hours earns per tonne in its reduced cost.
    ``duals``: HiGHS's row duals in row order. Empty (no columns) without stock rows."""
    if si is None:
        return pd.DataFrame()
    rows = shelf_rows(si)
    if rows.empty:
        return pd.DataFrame()
    dates = pd.to_datetime(net.periods.set_index("period")["date"])
    out = rows[["origin", "product_id", "period", "shelf_h"]].assign(
        date=dates.loc[rows["period"]].dt.strftime("%Y-%m-%d").to_numpy(),
        age_days=rows["a"].to_numpy(dtype=np.int64),
        fits_h=rows["shelf_h"].to_numpy(dtype=float) - 24.0 * rows["a"].to_numpy(dtype=float),
        dual_usd_per_t=-np.asarray(duals, dtype=float)[:len(rows)] + 0.0)
    return out[["origin", "product_id", "period", "date", "shelf_h", "age_days", "fits_h",
                "dual_usd_per_t"]].reset_index(drop=True)


def shelf_terms(ix: IndexTables, si: StockIndex) -> pd.DataFrame:
    """Terms of ``origin_stock_shelf``: one row per (origin, product, release day, age
    threshold a >= 1) with a possible release (:func:`shelf_rows`)."""
    rel = si.stock[si.stock["age_days"] > 0]
    if rel.empty:
        return terms([], "stock_release", [], [])
    thresholds = shelf_rows(si)
    # releases of age >= a
    r = thresholds.merge(rel[["origin", "product_id", "period", "age_days", "j"]],
                         on=["origin", "product_id", "period"])
    r = r[r["age_days"] >= r["a"]]
    # route flows of that day fitting the remaining shelf life
    f = thresholds.merge(ix.flows[["origin", "product_id", "period", "f", "duration_h"]],
                         on=["origin", "product_id", "period"])
    f = f[f["duration_h"].to_numpy() <= f["shelf_h"].to_numpy() - 24.0 * f["a"].to_numpy()
          + 1e-9]
    return pd.concat([terms(r["row"], "stock_release", r["j"], 1.0),
                      terms(f["row"], "route_flow", f["f"], -1.0)], ignore_index=True)


def objective_terms(ix: IndexTables, si: StockIndex) -> pd.DataFrame:
    """Objective terms: penalty x expired at origin, penalty x left in stock after the last
    day (USD)."""
    cw = si.cells[si.cells["w"] >= 0]
    last = si.stock[si.stock["period"] == ix.n_periods - 1]
    pen = si.cells.set_index("h")["penalty_usd_per_t"]
    return pd.concat([terms(np.zeros(len(cw)), "stock_writeoff", cw["w"],
                            cw["penalty_usd_per_t"]),
                      terms(np.zeros(len(last)), "origin_stock", last["j"],
                            pen.loc[last["h"]].to_numpy())], ignore_index=True)


def _values(var, n: int) -> np.ndarray:
    return np.fromiter((v.value or 0.0 for v in var.values()), dtype=float, count=n)


def stock_table(net: FreightNetwork, m: pyo.ConcreteModel, si: StockIndex) -> pd.DataFrame:
    """The ``origin_stock`` result table: per origin, product, held day and day (``period``,
    ``date``):
    ``age_days``, ``held_t`` (into stock that day), ``stock_t`` (end of day), ``released_t``,
    ``written_off_t`` (expired at origin that day), ``shelf_left_h`` (at the end of the day);
    rows with any cargo."""
    st = si.stock
    stock = _values(m.origin_stock, len(st))
    rel = _values(m.stock_release, len(st))
    out = st[["origin", "product_id", "held_day", "period", "age_days"]].copy()
    out["held_t"] = np.where(st["age_days"] == 0, stock, 0.0)
    out["stock_t"] = stock
    out["released_t"] = rel
    out["written_off_t"] = 0.0
    cw = si.cells[si.cells["w"] >= 0]
    if len(cw):
        w = _values(m.stock_writeoff, len(cw))
        extra = cw[["origin", "product_id", "held_day"]].assign(
            period=cw["expires"].to_numpy(), age_days=cw["expires"] - cw["held_day"],
            held_t=0.0, stock_t=0.0, released_t=0.0, written_off_t=w)
        out = pd.concat([out, extra], ignore_index=True)
    shelf = si.cells.set_index("h")["shelf_life_h"]
    cell = out.merge(si.cells[["origin", "product_id", "held_day", "h"]],
                     on=["origin", "product_id", "held_day"])["h"]
    out["shelf_left_h"] = shelf.loc[cell].to_numpy() - 24.0 * out["age_days"].to_numpy()
    dates = pd.to_datetime(net.periods.set_index("period")["date"])
    out["date"] = dates.loc[out["period"]].dt.strftime("%Y-%m-%d").to_numpy()
    out["held_date"] = dates.loc[out["held_day"]].dt.strftime("%Y-%m-%d").to_numpy()
    val = out[["held_t", "stock_t", "released_t", "written_off_t"]].to_numpy()
    out = out[(np.abs(val) > 1e-7).any(axis=1)]
    out = out.sort_values(["origin", "product_id", "held_day", "period"], kind="stable")
    return out[["origin", "product_id", "held_date", "period", "date", "age_days", "held_t",
                "stock_t",
                "released_t", "written_off_t", "shelf_left_h"]].reset_index(drop=True)
