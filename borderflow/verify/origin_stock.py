"""Stock at origins under a dispatch hold (dated runs), re-checked from the ``origin_stock`` table.

==================  ======================================================================
check               what must hold
==================  ======================================================================
origin_stock        per held cargo (origin, product, held date): stock at the end of each
                    day = stock the day before + held - released - written off; age = days
                    since the held date; nothing negative; empty after its last day
stock_held_day      cargo goes into stock only on a day a ``hold_dispatch`` event holds its
                    origin (and only on its held date)
stock_shelf         for every origin, product, day and age a >= 1: what leaves stock aged
                    a or more <= the route flows of that origin, product and day whose
                    hours fit shelf life - 24 a (the verifier's own route hours); cargo is
                    written off only past its shelf life
stock_dual          each row of ``stock_duals`` (the shelf rows' duals): ``dual_usd_per_t
                    >= 0`` (a ``<= 0`` row), its ``shelf_h`` the product's shelf life,
                    ``fits_h = shelf_h - 24 age_days``, its date its period's, age >= 1
==================  ======================================================================

:func:`stock_by_day` and :func:`stock_money` give the supply, node and objective checks
(:mod:`.flows`, :mod:`.money`) what stock adds to them. Recomputed from the scenario, the
verifier's input facts and the result tables alone; nothing of the model is imported.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .facts import Facts
from .report import num, rows, text

EMPTY = pd.DataFrame({"origin": pd.Series(dtype=object), "product_id": pd.Series(dtype=object),
                      "period": pd.Series(dtype=np.int64), "held_t": pd.Series(dtype=float),
                      "released_t": pd.Series(dtype=float)})


def _table(res) -> pd.DataFrame:
    return getattr(res, "origin_stock", None) if getattr(res, "origin_stock", None) is not None \
        else pd.DataFrame()


def _period(f: Facts, dates) -> np.ndarray:
    """Period of each ``YYYY-MM-DD`` date (-1: not a day of the run)."""
    where = {str(lab)[:10]: i for i, lab in enumerate(f.labels)}
    return np.array([where.get(str(d), -1) for d in dates], dtype=np.int64)


def stock_by_day(res, f: Facts) -> pd.DataFrame:
    """Per origin, product and period: tonnes put into stock (``held_t``) and released."""
    st = _table(res)
    if st.empty or not f.dated:
        return EMPTY.copy()
    t = pd.DataFrame({"origin": st["origin"].to_numpy(dtype=object),
                      "product_id": st["product_id"].to_numpy(dtype=object),
                      "period": _period(f, st["date"]), "held_t": num(st, "held_t"),
                      "released_t": num(st, "released_t")})
    return t.groupby(["origin", "product_id", "period"], as_index=False, sort=True).sum()


def stock_money(res, f: Facts) -> tuple[float, float]:
    """Value (USD, at the product's penalty) of cargo written off at origins or still in
    stock after the last day, and the perishable tonnes written off."""
    st = _table(res)
    if st.empty or not f.dated:
        return 0.0, 0.0
    pen = f.products["penalty_usd_per_t"].reindex(st["product_id"]).to_numpy(dtype=float)
    left = np.where(_period(f, st["date"]) == f.n_periods - 1, num(st, "stock_t"), 0.0)
    off = num(st, "written_off_t")
    perish = f.products["perishable"].reindex(st["product_id"]).to_numpy(dtype=bool)
    return float(np.sum((off + left) * pen)), float(np.sum(np.where(perish, off, 0.0)))


def stock_spoiled(res, f: Facts) -> pd.DataFrame:
    """Perishable tonnes written off at origins per product and period (``spoiled_t``)."""
    st = _table(res)
    if st.empty or not f.dated:
        return pd.DataFrame()
    perish = f.products["perishable"].reindex(st["product_id"]).to_numpy(dtype=bool)
    t = pd.DataFrame({"product_id": st["product_id"].to_numpy(dtype=object),
                      "period": _period(f, st["date"]),
                      "spoiled_t": np.where(perish, num(st, "written_off_t"), 0.0)})
    t = t.groupby(["product_id", "period"], as_index=False, sort=True).sum()
    return t[t["spoiled_t"] > 0]


def stock_lost_by_product(res, f: Facts) -> pd.Series:
    """Value (USD) written off at origins per product (the products table's lost value)."""
    st = _table(res)
    if st.empty or not f.dated:
        return pd.Series(dtype=float)
    pen = f.products["penalty_usd_per_t"].reindex(st["product_id"]).to_numpy(dtype=float)
    return pd.Series(num(st, "written_off_t") * pen,
                     index=st["product_id"].to_numpy(dtype=object)).groupby(level=0).sum()


def _held_days(f: Facts) -> set:
    """(origin or None for every origin, period) pairs some hold_dispatch event holds."""
    out = set()
    for ev in f.scenario.events:
        spec = getattr(ev, "hold_dispatch", None)
        if spec is None:
            continue
        for p, lab in enumerate(f.labels):
            d = dt.date.fromisoformat(str(lab)[:10])
            if (ev.start is None or d >= ev.start) and (ev.end is None or d <= ev.end):
                for o in (spec.origins or (None,)):
                    out.add((o, p))
    return out


def stock_checks(res, f: Facts, routes: pd.DataFrame) -> list[pd.DataFrame]:
    """The checks of the module's table; ``routes``: the verifier's routes (index route_id,
    ``duration_h``)."""
    st = _table(res)
    if not f.dated:
        return []
    if st.empty:  # stock rows (and their duals) may hold no cargo
        return [_stock_duals(res, f)]
    t = st.assign(period=_period(f, st["date"]), held_period=_period(f, st["held_date"]),
                  held_t=num(st, "held_t"), stock_t=num(st, "stock_t"),
                  released_t=num(st, "released_t"), written_off_t=num(st, "written_off_t"),
                  age_days=num(st, "age_days"))
    out = []
    for (o, p, hd), g in t.groupby(["origin", "product_id", "held_period"], sort=True):
        g = g.sort_values("period")
        per = g["period"].to_numpy()
        days = np.arange(hd, per.max() + 1)
        val = {c: pd.Series(g[c].to_numpy(), index=per).reindex(days, fill_value=0.0).to_numpy()
               for c in ("held_t", "stock_t", "released_t", "written_off_t")}
        prev = np.concatenate([[0.0], val["stock_t"][:-1]])
        miss = np.abs(val["stock_t"] - prev - val["held_t"] + val["released_t"]
                      + val["written_off_t"])
        miss = miss + np.abs(np.minimum(0.0, np.concatenate(list(val.values()))).sum())
        age_bad = np.abs(g["age_days"].to_numpy() - (per - hd)).sum() + (per < 0).sum()
        scale = max(float(val["held_t"].max(initial=0.0)), 1.0)
        out.append(rows("origin_stock", f"origin {o} / {p} held @{f.labels[hd]}",
                        float(miss.max(initial=0.0)) + float(age_bad), "t", scale))
    held = _held_days(f)
    into = t[t["held_t"] > 0]
    bad = [((o, d) not in held and (None, d) not in held) or hd != d
           for o, d, hd in zip(into["origin"], into["period"], into["held_period"])]
    out.append(rows("stock_held_day", "origin " + text(into["origin"]) + " / "
                    + text(into["product_id"]) + f.day(into["period"]),
                    np.where(bad, into["held_t"].to_numpy(), 0.0), "t", into["held_t"]))
    out.append(_shelf(res, f, t, routes))
    out.append(_stock_duals(res, f))
    return out


def _stock_duals(res, f: Facts) -> pd.DataFrame:
    """``stock_dual``: the rows of ``stock_duals`` are of the right sign and state the
    product's shelf life, their hours and day consistently (USD/t for a sign, else h)."""
    sd = getattr(res, "stock_duals", None)
    if sd is None or sd.empty:
        return rows("stock_dual", np.array([], dtype=object), np.zeros(0), "USD/t")
    y = num(sd, "dual_usd_per_t")
    shelf = f.products["shelf_h"].reindex(sd["product_id"]).to_numpy(dtype=float)
    age = num(sd, "age_days")
    period = np.nan_to_num(num(sd, "period"), nan=-1).astype(np.int64)
    dated = _period(f, sd["date"])
    fault_h = (np.abs(num(sd, "shelf_h") - shelf)
               + np.abs(num(sd, "fits_h") - (shelf - 24.0 * age))
               + 24.0 * ((dated != period) | (age < 1)))
    ent = ("origin " + text(sd["origin"]) + " / " + text(sd["product_id"]) + " aged >= "
           + sd["age_days"].astype(str) + " d" + f.day(np.clip(period, 0, f.n_periods - 1)))
    return pd.concat([rows("stock_dual", ent + " sign", np.where(np.isnan(y), np.inf,
                                                                 np.maximum(0.0, -y) + 0.0),
                           "USD/t", np.nanmax(np.abs(y), initial=0.0)),
                      rows("stock_dual", ent + " shelf", np.nan_to_num(fault_h, nan=np.inf),
                           "h", shelf)], ignore_index=True)


def _shelf(res, f: Facts, t: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """``stock_shelf``: releases of age >= a fit on route flows of hours <= shelf - 24 a, and
    write-offs only past the shelf life."""
    shelf = f.products["shelf_h"]
    rf = res.route_flows
    dur = routes["duration_h"].reindex(rf["route_id"]).to_numpy(dtype=float)
    flows = pd.DataFrame({"origin": rf["origin"].to_numpy(dtype=object),
                          "product_id": rf["product_id"].to_numpy(dtype=object),
                          "period": num(rf, "period").astype(np.int64), "hours": dur,
                          "flow_t": num(rf, "flow_t")})
    rel = t[t["released_t"] > 0]
    ent, amount, scale = [], [], []
    for (o, p, d), g in rel.groupby(["origin", "product_id", "period"], sort=True):
        fl = flows[(flows["origin"] == o) & (flows["product_id"] == p) & (flows["period"] == d)]
        for a in sorted(set(g["age_days"].astype(int))):
            out_t = float(g.loc[g["age_days"] >= a, "released_t"].sum())
            fit = float(fl.loc[fl["hours"] <= shelf[p] - 24.0 * a + 1e-9, "flow_t"].sum())
            ent.append(f"origin {o} / {p} released aged >= {a} d @{f.labels[d]}")
            amount.append(max(0.0, out_t - fit))
            scale.append(out_t)
    off = t[(t["written_off_t"] > 0)]
    young = off["age_days"].to_numpy() * 24.0 <= shelf.reindex(off["product_id"]).to_numpy()
    for (_, r), y in zip(off.iterrows(), young):
        ent.append(f"origin {r['origin']} / {r['product_id']} written off aged "
                   f"{int(r['age_days'])} d @{r['date']}")
        amount.append(float(r["written_off_t"]) if y else 0.0)
        scale.append(float(r["written_off_t"]))
    return rows("stock_shelf", np.array(ent, dtype=object), np.array(amount, dtype=float), "t",
                np.array(scale, dtype=float))
