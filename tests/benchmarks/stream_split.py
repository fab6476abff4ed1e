"""Split an aggregated dated solution's queues back over its (route, product) pairs, FIFO.

The certificate that stream aggregation (:mod:`direct_dated`, ``aggregate=True``) kept the
per-pair optimum: a split that satisfies every per-pair row of the unaggregated LP is a
per-pair solution with the aggregated objective (docs/dated-performance-plan.md, "Why stream
aggregation is exact").
"""

from __future__ import annotations

import numpy as np


def split_streams(d, col_value, tol: float = 1e-6) -> dict:
    """Split an aggregated solution's queues over the pairs of each stream, first in first out.

    Each day's arrivals of a stream form a cohort whose pairs are mixed in proportion to what
    each pair brought; expiries and then departures take the oldest cohorts first, and every
    pair gets its share of what leaves. The per-pair queues, departures and expiries are then
    checked against the per-pair rows (balance, age window, expiry) of the unaggregated LP.
    All costs of a stream are the same per tonne for its pairs, so a split that passes is a
    feasible solution of the per-pair LP with the aggregated objective: the aggregated LP is a
    relaxation of it, so both optima are equal (a certificate of exactness).

    Parameters
    ----------
    d : direct_dated.DatedLP
        An aggregated LP (``Variant(aggregate=True)``, windowed FIFO rows).
    col_value : sequence of float
        A solution of ``d.lp`` (HiGHS column values).
    tol : float
        Tonnes below which a cohort counts as empty.

    Returns
    -------
    dict
        ``max_violation_t`` (largest per-pair row violation, tonnes), ``phantom_expiry_t``
        (expiries the oldest cohort could not cover: cargo younger than its shelf life written
        off, which the per-pair rows may forbid), ``pairs``, ``streams``.
    """
    if not d.variant.aggregate:
        raise ValueError("split_streams needs an aggregated LP")
    x = np.asarray(col_value, dtype=float)
    n = d.n_days

    def block(name):
        a, c = d.cols[name]
        return x[a:a + c]

    Q, y, e = (block(k).reshape(-1, n) for k in ("Q", "y", "e"))
    I_val = block("I")
    fl = d.flows[d.flows["s"] >= 0]
    xv = block("x")[fl.index.to_numpy()]
    worst, phantom = 0.0, 0.0
    init_pairs = d.init_pairs if len(I_val) else None
    for s, grp in fl.groupby("s", sort=True):
        W = int(d.streams["W"].iloc[s])
        members = np.unique(grp["pair"].to_numpy())
        m_of = {p: i for i, p in enumerate(members)}
        A = np.zeros((len(members), n))
        np.add.at(A, (grp["pair"].map(m_of).to_numpy(), grp["arrive"].to_numpy()),
                  xv[fl.index.get_indexer(grp.index)])
        # cohorts: initial entries (virtual day -age), then one per day
        c_day, c_amt, c_mix = [], [], []
        if init_pairs is not None:
            for i, row in init_pairs[init_pairs["s"] == s].iterrows():
                if I_val[i] > 0:
                    mix = np.zeros(len(members))
                    mix[m_of.get(row["pair"], 0)] = 1.0
                    c_day.append(-int(row["age"]))
                    c_amt.append(I_val[i])
                    c_mix.append(mix)
        order = np.argsort(c_day, kind="stable")
        c_day = [c_day[i] for i in order]
        c_amt = [c_amt[i] for i in order]
        c_mix = [c_mix[i] for i in order]
        init_in = np.zeros((len(members), n))
        for amount, share in zip(c_amt, c_mix):
            init_in[:, 0] += amount * share
        c_day += list(range(n))
        tot = A.sum(axis=0)
        for t in range(n):
            c_amt.append(tot[t])
            c_mix.append(A[:, t] / tot[t] if tot[t] > 0 else np.zeros(len(members)))
        rem = np.array(c_amt, dtype=float)
        mix = np.array(c_mix).reshape(len(c_amt), len(members))
        cday = np.array(c_day)
        ys, es, qs = (np.zeros((len(members), n)) for _ in range(3))
        head = 0
        for t in range(n):
            for amount, out, is_exp in ((e[s, t], es, True), (y[s, t], ys, False)):
                need = amount
                while need > tol * 1e-3 and head < len(rem):
                    if cday[head] > t:
                        break
                    take = min(need, rem[head])
                    if is_exp and cday[head] > t - W - 1:
                        phantom += take
                    out[:, t] += take * mix[head]
                    rem[head] -= take
                    need -= take
                    if rem[head] <= tol * 1e-3:
                        head += 1
            alive = (cday <= t)
            qs[:, t] = (rem[alive][:, None] * mix[alive]).sum(axis=0)
        # per-pair rows, as the unaggregated LP writes them
        inflow = A + init_in
        prev = np.concatenate([np.zeros((len(members), 1)), qs[:, :-1]], axis=1)
        bal = qs - prev - inflow + ys + es
        win = np.cumsum(A, axis=1)
        lagged = np.concatenate([np.zeros((len(members), W + 1)), win[:, :-W - 1]], axis=1) \
            if n > W + 1 else np.zeros_like(win)
        init_age = np.zeros_like(A)
        init_exp = np.zeros_like(A)
        for day0, amount, share in zip(c_day, c_amt, c_mix):
            if day0 >= 0:  # the initial cohorts come first (virtual days -age)
                break
            last = W + day0
            if last >= 0:
                init_age[:, :min(last, n - 1) + 1] += amount * share[:, None]
            day = max(0, W + day0 + 1)
            if day < n:
                init_exp[:, day] += amount * share
        age = qs + ys - (win - lagged) - init_age
        old = np.concatenate([np.zeros((len(members), W + 1)), A[:, :-W - 1]], axis=1) \
            if n > W + 1 else np.zeros_like(A)
        exp = es - old - init_exp
        # and the pairs' shares add up to the stream's queue, departures and expiries (what
        # the replay could not take from the queue shows here)
        worst = max(worst, np.abs(bal).max(), age.max(), exp.max(),
                    np.abs(qs.sum(axis=0) - Q[s]).max(), np.abs(ys.sum(axis=0) - y[s]).max(),
                    np.abs(es.sum(axis=0) - e[s]).max())
    return {"max_violation_t": float(worst), "phantom_expiry_t": float(phantom),
            "pairs": len(np.unique(fl["pair"])), "streams": len(d.streams)}
