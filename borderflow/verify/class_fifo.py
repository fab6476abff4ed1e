"""First come, first served across goods within a lane class: the summary's replay, re-derived.

=================  ===========================================================================
check              what must hold
=================  ===========================================================================
class_fifo         ``summary.class_fifo`` (tonnes out of arrival order, the replayed objective,
                   the LP bound, the gap in USD and %, the replay's write-offs and unfilled
                   trucks) equals this module's own replay of the stream tables; a summary
                   without ``class_fifo`` (a folder written before it) passes only if its
                   plan clears first come, first served across goods
=================  ===========================================================================

The replay here is the verifier's own (lots by arrival day, walked day by day; it does not
import :mod:`borderflow.model.class_fifo`). A lane class is a gate, a direction and a lane:
at a gate and direction with a priority rule the perishables (the priority lane) and the
rest; elsewhere every good. Each day, cargo past its allowed wait is written off, then the
class's trucks of that day (the run's departures, per stream ``t / payload``, summed) clear
the oldest arrival day first, a day shared pro rata across streams. The replayed objective
is the run's plus the change in the model's cost terms: market price of departures, value of
cargo written off or left at the end, waiting per truck-day. When the tables show the
replay itself (``tables_show``), the LP's plan is not in them: the check is then that the
tables clear first come, first served, that the replay of them is themselves, and the bound
and gap arithmetic (``out_of_order_t`` and ``unfilled_trucks`` of the LP plan are not
re-derivable).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .facts import Facts
from .report import rows

#: tonnes below which a lot counts as gone
LOT_TOL = 1e-6


def _lane(streams: pd.DataFrame, rt: pd.DataFrame, f: Facts) -> np.ndarray:
    """Class number per stream (gate, direction, lane)."""
    gate = rt.reindex(streams["route_id"])
    pr = f.priority
    lanes = set(zip(pr["crossing_id"], pr["direction"])) if len(pr) else set()
    per = f.products["perishable"].reindex(streams["product_id"]).to_numpy(dtype=bool)
    key = [(c, d, bool(p) if (c, d) in lanes else None)
           for c, d, p in zip(gate["gate_crossing"], gate["gate_direction"], per)]
    names = {k: i for i, k in enumerate(sorted(set(key), key=str))}
    return np.array([names[k] for k in key], dtype=np.int64)


def _walk(inflow: np.ndarray, back: int, wait: np.ndarray, payload: np.ndarray,
          members: list[np.ndarray], trucks: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, float]:
    """Walk lots day by day: write off what is past its wait, then let each group of streams
    (``members``) send its trucks of the day (``trucks``, per group and day) from the oldest
    arrival day on, a day's lots pro rata. Returns departures, write-offs and the trucks no
    lot was left for."""
    n_s, n_c = inflow.shape
    n_p = n_c - back
    lots = np.zeros((n_s, n_c))
    dep, exp_ = np.zeros((n_s, n_p)), np.zeros((n_s, n_p))
    unfilled = 0.0
    wait = np.asarray(wait, dtype=np.int64)
    oldest = int(wait.max(initial=0)) + 1
    for t in range(n_p):
        lots[:, back + t] += inflow[:, back + t]
        if t == 0:
            lots[:, :back] += inflow[:, :back]
        stale = np.arange(n_c)[None, :] <= (back + t - wait - 1)[:, None]
        exp_[:, t] = (lots * stale).sum(axis=1)
        lots[stale] = 0.0
        first = 0 if t == 0 else max(0, back + t - oldest)  # older lots are written off
        for g, ss in enumerate(members):
            gone, room = _serve(lots[ss, first:back + t + 1], payload[ss], trucks[g, t])
            lots[ss, first:back + t + 1] -= gone
            dep[ss, t] = gone.sum(axis=1)
            unfilled += room if room > 1e-9 else 0.0
    return dep, exp_, unfilled


def _serve(lots: np.ndarray, payload: np.ndarray, room: float) -> tuple[np.ndarray, float]:
    """Tonnes ``room`` trucks take from ``lots`` (streams x arrival days, oldest first),
    oldest day first, a day pro rata by its streams' trucks; and the trucks left over."""
    gone = np.zeros_like(lots)
    for c in range(lots.shape[1]):
        if room <= 1e-12:
            break
        tot = float((lots[:, c] / payload).sum())
        if tot <= 0:
            continue
        share = min(1.0, room / tot)
        gone[:, c] = lots[:, c] * share
        room -= share * tot
    return gone, room


def class_fifo_checks(res, f: Facts, streams: pd.DataFrame, rt: pd.DataFrame,
                      inflow: np.ndarray, back: int, dep: np.ndarray, exp_: np.ndarray,
                      stock: np.ndarray) -> list[pd.DataFrame]:
    """``summary.class_fifo`` against this module's replay (see the module docstring).

    ``inflow`` (streams x (back + days)): the verifier's own arrivals by day, initial queues by
    age; ``dep``, ``exp_``, ``stock``: the stream table's departures, write-offs and stocks.
    """
    claim = res.summary.get("class_fifo")
    n_s, n_p = dep.shape
    p = f.products.reindex(streams["product_id"])
    payload = p["payload_t"].to_numpy(dtype=float)
    dur = rt["duration_h"].reindex(streams["route_id"]).to_numpy()
    wait = np.clip(np.floor((p["shelf_h"].to_numpy() - dur) / 24.0), 0, f.max_wait_days
                   ).astype(np.int64)
    lane = _lane(streams, rt, f)
    classes = [np.flatnonzero(lane == g) for g in range(int(lane.max(initial=-1)) + 1)]
    budget = np.array([(dep[ss] / payload[ss, None]).sum(axis=0) for ss in classes]) \
        if classes else np.zeros((0, n_p))
    lp_ahead = _ahead_in_class(inflow, back, wait, payload, classes, dep, exp_)
    if claim is None:  # a folder written before class_fifo: silent only if nothing to say
        return [rows("class_fifo", "summary without class_fifo: tonnes its plan clears out of "
                     "arrival order across goods", lp_ahead, "t")]
    r_dep, r_exp, unfilled = _walk(inflow, back, wait, payload, classes, budget)
    cum_in = np.cumsum(inflow, axis=1)[:, back:]
    r_stock = cum_in - np.cumsum(r_dep + r_exp, axis=1)
    price = f.markets.groupby(["market", "product_id"])["price_usd_per_t"].first()
    mp = pd.MultiIndex.from_arrays([rt["market"].reindex(streams["route_id"]).to_numpy(),
                                    streams["product_id"].to_numpy()])
    pr = price.reindex(mp).fillna(0.0).to_numpy()
    pen = p["penalty_usd_per_t"].to_numpy(dtype=float)
    last = np.zeros(n_p)
    last[-1] = 1.0
    delta = float(np.sum(-pr[:, None] * (r_dep - dep) + pen[:, None] * (r_exp - exp_)
                         + (f.waiting_usd_per_truck_day / payload[:, None]
                            + pen[:, None] * last[None, :]) * (r_stock - stock)))
    s = res.summary
    shown = claim.get("tables_show") == "class_fifo replay"
    repair = s.get("fifo_repair") or {}
    objective = float(s.get("objective_usd", np.nan))
    bound = float(repair.get("lp_lower_bound_usd", objective)) if not shown else \
        float(claim.get("lp_lower_bound_usd", np.nan))
    replayed = objective + delta
    gap = replayed - bound
    mine = {"replayed_objective_usd": replayed, "lp_lower_bound_usd": bound, "gap_usd": gap,
            "gap_pct": 100.0 * gap / abs(bound) if bound else 0.0,
            "replayed_expired_t": float(r_exp.sum())}
    scale = max(abs(objective), float(np.abs(inflow).sum()))
    out = []
    if shown:  # the tables hold the replay: it must be first come, first served itself
        out.append(rows("class_fifo", "tables show the class-FIFO replay: tonnes out of "
                        "arrival order in them", lp_ahead, "t", scale))
    else:
        mine |= {"out_of_order_t": float(lp_ahead), "unfilled_trucks": unfilled}
    for key, value in mine.items():
        got = claim.get(key)
        got = float(got) if isinstance(got, (int, float)) and not isinstance(got, bool) \
            else np.nan
        unit = "%" if key == "gap_pct" else ("USD" if key.endswith("usd") else
                                             "trucks" if key == "unfilled_trucks" else "t")
        out.append(rows("class_fifo", f"summary.class_fifo.{key} (recomputed {value:,.6f})",
                        abs(got - value), unit, max(scale if unit == "USD" else 0.0,
                                                    abs(value), abs(got) if got == got else 0)))
    return out


def _ahead_in_class(inflow: np.ndarray, back: int, wait: np.ndarray, payload: np.ndarray,
                    classes: list[np.ndarray], dep: np.ndarray, exp_: np.ndarray) -> float:
    """Tonnes the run's plan sent out of arrival order: each stream walked first in, first
    out with its own departures and write-offs; per class and day, what left beyond what the
    same trucks would have taken from the same queue oldest arrival day first."""
    n_s, n_c = inflow.shape
    n_p = n_c - back
    cum = np.cumsum(inflow, axis=1)
    start = np.concatenate([np.zeros((n_s, 1)), cum[:, :-1]], axis=1)
    out_before = np.concatenate([np.zeros((n_s, 1)),
                                 np.cumsum(dep + exp_, axis=1)[:, :-1]], axis=1)
    total = 0.0
    span = int(np.max(wait, initial=0)) + 1  # lots older than this are written off (verified)
    for t in range(n_p):
        lo = out_before[:, t] + exp_[:, t]
        hi = lo + dep[:, t]
        first, seen = (0 if t == 0 else max(0, back + t - span)), back + t + 1
        # tonnes of each arrival day waiting before today's departures, and those that left
        gone = np.clip(np.minimum(cum[:, first:seen], hi[:, None])
                       - np.maximum(start[:, first:seen], lo[:, None]), 0.0, None)
        there = np.clip(cum[:, first:seen] - np.maximum(start[:, first:seen], lo[:, None]),
                        0.0, None)
        for ss in classes:
            if not gone[ss].any():
                continue
            trucks = float((gone[ss] / payload[ss, None]).sum())
            fcfs, _ = _serve(there[ss], payload[ss], trucks)
            total += float(np.clip(gone[ss] - fcfs, 0.0, None).sum())
    return total
