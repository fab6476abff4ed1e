"""Stream aggregation of a dated model's gate queues, and the first-in-first-out split back.

Why one queue per key is exact
------------------------------
A (route, product) pair's queue variables enter only rows and costs that depend on its key:
gate (last crossing), direction, product, market, days from the gate to the market and allowed
wait ``W`` (:data:`STREAM_KEY`): the gate's capacity and priority rows on the departure day
(``1 / payload``) and the returning empties, the market row ``downstream_days`` later, the
product's penalty and waiting cost per tonne, the balance, FIFO-age and expiry rows with the
same ``W``. Pairs that share a key therefore share one *stream* queue (``queue``,
``departures``, ``expired`` per stream-day, ``initial_queue`` per entry and stream) in an
aggregated model (``build_model(..., aggregate=True)``, ``--aggregate-streams``):

- summing a per-pair solution over each stream gives an aggregated solution of the same cost,
  so the aggregated optimum is not above the per-pair one;
- conversely, :func:`split_streams` serves each stream first in, first out (write-offs of cargo
  past its wait first, then departures, oldest cohort first; a day's cohort is mixed in
  proportion to what each pair brought) and gives each pair its share of what leaves. If the
  aggregated solution is itself FIFO-consistent (:func:`borderflow.model.fifo.repair_fifo`
  found nothing to repair), nothing older than ``W`` days waits in any pair and each pair's
  write-off on day ``t`` is its share of the cohort of day ``t - W - 1``: every per-pair row
  holds, so the split is a per-pair solution with the aggregated objective, and both optima
  are equal. :func:`split_streams` re-checks every per-pair row (balance, age window, expiry
  window, signs) and reports the largest violation: the certificate of the run.

If the aggregated LP wrote cargo off before its deadline (phantom expiry,
:mod:`borderflow.model.fifo`; aggregation widens that loophole, since one pair's cohort can
cover another's early write-off), the pipeline disaggregates: it solves the run again per pair
and says so in ``summary.json`` (``stream_aggregation``).

The result tables and the verifier stay per pair: :func:`pair_view` gives the result tables a
per-pair model (the per-pair index tables, the split's values, every row dual the aggregated
model's: the capacity, market, supply and initial-queue rows are the same rows).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .queues import arrivals, initial_allocations, queue_table

__all__ = ["STREAM_KEY", "PairModel", "StreamSplit", "aggregate_streams",
           "aggregated_initial", "pair_view", "split_streams"]

#: what pairs sharing one queue have in common (product first: streams sort by it)
STREAM_KEY = ["product_id", "crossing_id", "direction", "market", "downstream_days",
              "max_wait_days"]

#: pair values below this (t) are rounding of the split's running sums (over a year about 1e-9
#: t: cumulative tonnes of 1e5-1e6 t differenced), set to 0 before the rows are re-checked
SNAP_T = 1e-8

#: largest per-pair row violation (t) a split may have and still certify the aggregated
#: optimum (HiGHS's primal feasibility tolerance is 1e-7 on rows of tonnes)
SPLIT_TOL_T = 1e-6


def aggregate_streams(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One stream per key (:data:`STREAM_KEY`) of a per-pair stream table.

    Parameters
    ----------
    pairs : DataFrame
        :func:`borderflow.model.queues.stream_table` (one row per pair ``k``).

    Returns
    -------
    (streams, stream_pairs)
        ``streams``: one row per stream ``k`` (sorted by the key), with ``route_id`` a label
        of the key (``stream <gate>/<direction>/<market>/+<days>d/W<wait>``: what a carried
        basis keys its queues by), payload, perishability, penalty and ``pairs`` (count).
        ``stream_pairs``: the per-pair table with its pair number as ``pair`` and its stream
        as ``k`` (what arrivals and initial queues join on).
    """
    keys = pairs[STREAM_KEY].drop_duplicates().sort_values(STREAM_KEY, kind="stable",
                                                           ignore_index=True)
    keys.insert(0, "k", np.arange(len(keys), dtype=np.int64))
    sp = pairs.rename(columns={"k": "pair"}).merge(keys, on=STREAM_KEY, how="left")
    first = sp.drop_duplicates("k").set_index("k").loc[keys["k"]]
    streams = keys.assign(
        route_id=("stream " + keys["crossing_id"].astype(str) + "/" + keys["direction"].astype(str)
                  + "/" + keys["market"].astype(str) + "/+" + keys["downstream_days"].astype(str)
                  + "d/W" + keys["max_wait_days"].astype(str)).to_numpy(),
        payload_t_per_truck=first["payload_t_per_truck"].to_numpy(),
        perishable=first["perishable"].to_numpy(),
        penalty_usd_per_t=first["penalty_usd_per_t"].to_numpy(),
        pairs=sp.groupby("k").size().reindex(keys["k"]).to_numpy())
    return streams, sp


def aggregated_initial(net, stream_pairs: pd.DataFrame) -> pd.DataFrame:
    """Initial-queue allocations of an aggregated model: one per (entry ``j``, stream ``k``)
    that holds a pair the entry may belong to, with the first such pair (``pair``) that the
    split gives the trucks to (``i, j, k, trucks, age_days, pair``).

    Raises
    ------
    ValueError
        As :func:`borderflow.model.queues.initial_allocations`.
    """
    per_pair = initial_allocations(net, stream_pairs.drop(columns="k").rename(
        columns={"pair": "k"}))
    stream_of = stream_pairs.set_index("pair")["k"]
    out = per_pair.rename(columns={"k": "pair"}).assign(
        k=stream_of.loc[per_pair["k"]].to_numpy()).drop_duplicates(["j", "k"])
    out["i"] = np.arange(len(out))
    return out[["i", "j", "k", "trucks", "age_days", "pair"]].reset_index(drop=True)


@dataclass(frozen=True)
class StreamSplit:
    """Per-pair values of an aggregated solution (:func:`split_streams`).

    Attributes
    ----------
    queue, departures, expired : ndarray
        Per queue index of the per-pair model (``pair_queues``), tonnes.
    initial : ndarray
        Per allocation of the per-pair model (``pair_initial``), tonnes.
    max_violation_t : float
        Largest violation of a per-pair row (balance, age, expiry, sign) or of a stream's sum.
    streams, pairs : int
        Queues in the aggregated model and the (route, product) pairs they stand for.
    """

    queue: np.ndarray
    departures: np.ndarray
    expired: np.ndarray
    initial: np.ndarray
    max_violation_t: float
    streams: int
    pairs: int

    @property
    def passed(self) -> bool:
        """True when every per-pair row holds (the aggregated optimum is the per-pair one)."""
        return self.max_violation_t <= SPLIT_TOL_T

    def as_dict(self) -> dict:
        """``summary.json``'s ``stream_aggregation``."""
        return {"queue_streams": self.streams, "queue_pairs": self.pairs,
                "split": ("exact: first-in-first-out split passed" if self.passed else
                          "failed: first-in-first-out split") +
                f" (largest per-pair row violation {self.max_violation_t:.1e} t)"}


def _values(var) -> np.ndarray:
    from .pyomo_layer import var_values

    return var_values(var, len(var))


def split_streams(built, pair_queues: pd.DataFrame, pair_initial: pd.DataFrame) -> StreamSplit:
    """Split a solved aggregated model's queues over its pairs, first in, first out.

    ``x``, the tonnes a stream has let go (written off or departed) since day 0, falls in the
    cohorts in order; pair ``p``'s part of it is
    ``F_p(x) = sum_c I[p, c] * clip((x - S[c-1]) / A[c], 0, 1)`` (``I``: the pair's inflow
    per cohort, ``A`` the stream's, ``S`` its running sum). Write-offs of day ``t`` are
    ``F_p(X[t-1] + e[t]) - F_p(X[t-1])``, departures ``F_p(X[t]) - F_p(X[t-1] + e[t])``, the
    queue the pair's inflow to day ``t`` less ``F_p(X[t])``.

    Parameters
    ----------
    built : BuiltModel
        The solved aggregated model (after :func:`borderflow.model.fifo.repair_fifo`).
    pair_queues, pair_initial : DataFrame
        The per-pair model's ``queues`` and ``initial`` tables.
    """
    m, ix = built.model, built.index
    n_p = ix.n_periods
    sp = ix.stream_pairs
    n_pairs, n_s = len(sp), len(ix.streams)
    init = ix.initial
    ages = init["age_days"].to_numpy(dtype=np.int64) if len(init) else np.zeros(0, np.int64)
    back = int(max(ages.max(initial=0), 0))
    pair_k = sp["pair"].to_numpy(dtype=np.int64)
    inflow = np.zeros((n_pairs, back + n_p))  # rows in pair number order (pair_k is 0..n-1)
    init_val = _values(m.initial_queue) if len(init) else np.zeros(0)
    if len(init):
        np.add.at(inflow, (init["pair"].to_numpy(dtype=np.int64),
                           back - np.maximum(ages, 0)), init_val[init["i"].to_numpy()])
    arr = arrivals(ix.flows, sp.drop(columns="k").rename(columns={"pair": "k"}))
    arr = arr[(arr["arrival_period"] >= 0) & (arr["arrival_period"] < n_p)]
    flow = _values(m.route_flow)
    np.add.at(inflow, (arr["k"].to_numpy(dtype=np.int64),
                       back + arr["arrival_period"].to_numpy(dtype=np.int64)),
              flow[arr["f"].to_numpy(dtype=np.int64)])
    q = ix.queues
    grid = np.zeros((n_s, n_p), dtype=np.int64)
    grid[q["k"].to_numpy(dtype=np.int64), q["period"].to_numpy(dtype=np.int64)] = q["q"]
    dep_s = _values(m.departures)[grid]
    exp_s = _values(m.expired)[grid]
    queue_s = _values(m.queue)[grid]
    queue_p, dep_p, exp_p = (np.zeros((n_pairs, n_p)) for _ in range(3))
    stream_of = np.empty(n_pairs, dtype=np.int64)
    stream_of[pair_k] = sp["k"].to_numpy(dtype=np.int64)
    for s in range(n_s):
        members = np.flatnonzero(stream_of == s)
        own = inflow[members]
        total = own.sum(axis=0)
        prev = np.cumsum(total) - total
        out = np.cumsum(dep_s[s] + exp_s[s])
        before = out - dep_s[s] - exp_s[s]
        live = total > 0
        share = own[:, live]

        def let_go(x, prev=prev[live], amount=total[live], share=share):
            frac = np.clip((x[:, None] - prev[None, :]) / amount[None, :], 0.0, 1.0)
            return frac @ share.T  # (days, members)

        f_before, f_after_exp, f_out = let_go(before), let_go(before + exp_s[s]), let_go(out)
        exp_p[members] = (f_after_exp - f_before).T
        dep_p[members] = (f_out - f_after_exp).T
        queue_p[members] = np.cumsum(own, axis=1)[:, back:] - f_out.T
    for values, total in ((queue_p, queue_s), (dep_p, dep_s), (exp_p, exp_s)):
        # rounding noise off: nothing where the stream has nothing, nothing below SNAP_T
        values[(total <= 0.0)[stream_of] | (np.abs(values) < SNAP_T)] = 0.0
    worst = _violation(ix, sp, pair_k, stream_of, inflow, back, (queue_p, dep_p, exp_p),
                       (queue_s, dep_s, exp_s))
    pos = np.zeros((n_pairs, n_p), dtype=np.int64)
    pos[pair_queues["k"].to_numpy(dtype=np.int64),
        pair_queues["period"].to_numpy(dtype=np.int64)] = pair_queues["q"]
    order = np.argsort(pos.ravel(), kind="stable")
    init_p = np.zeros(len(pair_initial))
    if len(init):
        key = pd.MultiIndex.from_frame(pair_initial[["j", "k"]])
        at = key.get_indexer(pd.MultiIndex.from_arrays([init["j"], init["pair"]]))
        init_p[at] = init_val[init["i"].to_numpy()]
    return StreamSplit(queue=queue_p.ravel()[order], departures=dep_p.ravel()[order],
                       expired=exp_p.ravel()[order], initial=init_p, max_violation_t=worst,
                       streams=n_s, pairs=n_pairs)


def _violation(ix, sp, pair_k, stream_of, inflow, back, per_pair, per_stream) -> float:
    """Largest violation (t) of a per-pair row of the unaggregated model by a split: queue
    balance, FIFO age window, expiry window, signs, and the sums over each stream's pairs
    against the aggregated model's queue, departures and write-offs."""
    queue_p, dep_p, exp_p = per_pair
    n_p = ix.n_periods
    w = np.empty(len(pair_k), dtype=np.int64)
    w[pair_k] = sp["max_wait_days"].to_numpy(dtype=np.int64)
    cum = np.cumsum(inflow, axis=1)
    arrived = cum[:, back:]  # inflow up to each day, initial queues included
    bal = np.abs(arrived - np.cumsum(dep_p + exp_p, axis=1) - queue_p).max(initial=0.0)
    days = np.arange(n_p)
    rows = np.arange(len(pair_k))[:, None]
    # age: queue + departures of day t within what reached the queue on days >= t - W (an
    # initial queue of age g counts as arriving on day -g)
    first = np.clip(back + days[None, :] - w[:, None] - 1, -1, None)
    recent = arrived - np.where(first >= 0, cum[rows, np.maximum(first, 0)], 0.0)
    age = (queue_p + dep_p - recent).max(initial=0.0)
    # expiry: write-offs of day t within the cohort of day t - W - 1 (at day 0: all older ones)
    col = back + days[None, :] - w[:, None] - 1
    cohort = np.where(col >= 0, inflow[rows, np.maximum(col, 0)], 0.0)
    cohort[:, 0] = np.where(col[:, 0] >= 0, cum[rows[:, 0], np.maximum(col[:, 0], 0)], 0.0)
    expiry = (exp_p - cohort).max(initial=0.0)
    sign = max(-queue_p.min(initial=0.0), -dep_p.min(initial=0.0), -exp_p.min(initial=0.0))
    sums = 0.0
    for pair_values, stream_values in zip(per_pair, per_stream):
        total = np.zeros_like(stream_values)
        np.add.at(total, stream_of, pair_values)
        sums = max(sums, float(np.abs(total - stream_values).max(initial=0.0)))
    return float(max(bal, age, expiry, sign, sums))


class SplitValues:
    """Values of a per-pair queue variable from a split, standing for a solved indexed Var
    where the result tables read one (:func:`borderflow.model.pyomo_layer.var_values`)."""

    def __init__(self, values: np.ndarray):
        self.split_values = np.asarray(values, dtype=float)

    def __len__(self) -> int:
        return len(self.split_values)


class PairModel:
    """The aggregated Pyomo model seen per pair: ``queue``, ``departures``, ``expired`` and
    ``initial_queue`` are the split's values; every other component (flows, unserved, rows and
    their duals, the objective) is the aggregated model's."""

    def __init__(self, model, split: StreamSplit):
        self._model = model
        self._split = {"queue": SplitValues(split.queue),
                       "departures": SplitValues(split.departures),
                       "expired": SplitValues(split.expired),
                       "initial_queue": SplitValues(split.initial)}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._split:
            return self._split[name]
        return getattr(self._model, name)


def pair_view(net, built, keep: bool = False):
    """A solved aggregated model as the per-pair model the result tables read (any other
    model as it is).

    ``keep`` (a sweep's scenarios read from a kept model): the per-pair index tables are made
    once per aggregated index and network inputs (the scenario's initial queues, the products,
    the number of days) and shared, read only, by the scenarios that have the same
    (:data:`_PAIR_VIEWS`); the split is a kept one (a copy) when the values it reads are that
    split's, bit for bit (:func:`borderflow.model.table_memo.same`). A single run keeps
    nothing.

    Returns
    -------
    (BuiltModel, StreamSplit or None)
        The per-pair view (index tables per pair: streams, queues, initial allocations and
        the departures' crossing use; :class:`PairModel` values) and the split; ``built``
        and ``None`` for a model that is not aggregated.
    """
    from .formulation import BuiltModel

    ix = built.index
    if not ix.aggregated:
        return built, None
    if not keep:
        view = _view_index(net, ix)
        split = split_streams(built, view.queues, view.initial)
    else:
        view, split = _kept_view(net, built)
    return BuiltModel(model=PairModel(built.model, split), index=view,
                      entry_rows=built.entry_rows, stock=built.stock), split


def _view_index(net, ix):
    """The per-pair index tables of an aggregated index ``ix`` (:func:`pair_view`)."""
    from .indices import crossing_use_of_departures

    pairs = ix.stream_pairs.drop(columns="k").rename(columns={"pair": "k"})
    pairs = pairs.sort_values("k", kind="stable", ignore_index=True)
    queues = queue_table(pairs, ix.n_periods)
    initial = initial_allocations(net, pairs)
    use = ix.crossing_use
    use = pd.concat([use[use["var"] != "departures"],
                     crossing_use_of_departures(net, queues)], ignore_index=True)
    return replace(ix, streams=pairs, queues=queues, initial=initial, crossing_use=use,
                   stream_pairs=None)


#: per aggregated index (``id``; dropped with it): the network inputs and per-pair view of
#: the first reading with ``keep`` (:func:`pair_view`)
_PAIR_VIEWS: dict[int, tuple] = {}


def _kept_view(net, built):
    """:func:`pair_view`'s index view (from :data:`_PAIR_VIEWS` for the same network inputs)
    and split (:func:`borderflow.model.table_memo.same`, tied to the aggregated index)."""
    from .table_memo import same

    ix, m = built.index, built.model
    inputs = (tuple(net.scenario.initial_queues), net.products, len(net.periods))
    kept = _PAIR_VIEWS.get(id(ix))
    if kept is None:
        kept = _PAIR_VIEWS[id(ix)] = (inputs, _view_index(net, ix))
        weakref.finalize(ix, _PAIR_VIEWS.pop, id(ix), None)
    if not (kept[0][0] == inputs[0] and kept[0][1] is inputs[1] and kept[0][2] == inputs[2]):
        view = _view_index(net, ix)  # another network: made here, not kept
        return view, split_streams(built, view.queues, view.initial)
    view = kept[1]
    values = tuple(_values(v) for v in (m.initial_queue, m.route_flow, m.departures,
                                         m.expired, m.queue))
    return view, same(ix, "split", values,
                      lambda: split_streams(built, view.queues, view.initial), (view,))
