"""P10/P50/P90 of the headline numbers over samples, ranks and probabilities (no solver here).

(:func:`routing_summary`: how many samples are certified optimal over every route.)

Inputs are tidy tables the runner collects, one row per sample and measure, so everything is
testable without a model:

- :func:`headline_measures`: the headline numbers of one solved sample (its summary and, dated,
  its backlog table): cost, unserved, spoiled, and per gate direction the queue peak and the day
  it clears;
- :func:`quantile_table`: P10/P50/P90 (and mean, min, max) per measure, next to the point
  value (the dataset's own numbers);
- :func:`paired_increase`: scenario minus baseline *sample by sample* (both solved with the same
  inputs), e.g. the cost of a closure with its band;
- :func:`top_k_probability` and :func:`positive_probability`: for a sweep, how often each crossing
  ranks among the k costliest closures, and how often each investment's benefit is positive.

Quantiles are the sample quantiles of numpy (linear interpolation, Hyndman-Fan type 7) or,
where a measure can be infinite (a queue not cleared within the horizon), the inverted CDF.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

QUANTILES = (0.1, 0.5, 0.9)
#: per-sample measures that say how optimal a sample's solution is over every route (not banded)
ROUTING_MEASURES = ("certified", "gap_bound_usd", "routes_added")
#: clear day of a queue still there at the end of the modelled days
NOT_CLEARED = np.inf


def headline_measures(summary: dict, backlog: pd.DataFrame | None = None,
                      horizon_start: str | None = None) -> dict[str, float]:
    """The headline numbers of one solved sample.

    Parameters
    ----------
    summary : dict
        The run summary (``objective_usd``, ``unserved_t``, ``spoiled_t``).
    backlog : DataFrame, optional
        Dated runs: the backlog episodes (``crossing_id, direction, peak_queue_trucks,
        clear_date``); the worst episode per gate direction counts.
    horizon_start : str, optional
        ISO date of the horizon's first day (clear dates become days after it).

    Returns
    -------
    dict
        ``cost_usd``, ``unserved_t``, ``spoiled_t`` and, per gate direction,
        ``queue_peak_trucks:<crossing>:<direction>`` and ``clear_day:<crossing>:<direction>``
        (days after the horizon start; inf if not cleared).
    """
    out = {"cost_usd": float(summary["objective_usd"]),
           "unserved_t": float(summary["unserved_t"]),
           "spoiled_t": float(summary["spoiled_t"])}
    if backlog is None or backlog.empty:
        return out
    start = pd.Timestamp(horizon_start) if horizon_start else None
    for (c, d), g in backlog.groupby(["crossing_id", "direction"], sort=True):
        worst = g.sort_values("peak_queue_trucks", ascending=False, kind="stable").iloc[0]
        out[f"queue_peak_trucks:{c}:{d}"] = float(worst["peak_queue_trucks"])
        if start is not None:
            clear = g["clear_date"]
            out[f"clear_day:{c}:{d}"] = NOT_CLEARED if clear.isna().any() or \
                (clear.astype(str) == "").any() else float(
                    (pd.to_datetime(clear).max() - start).days)
    return out


def _quantiles(values: np.ndarray, qs=QUANTILES) -> np.ndarray:
    values = values[~np.isnan(values)]
    if not len(values):
        return np.full(len(qs), np.nan)
    method = "inverted_cdf" if np.isinf(values).any() else "linear"
    return np.quantile(values, qs, method=method)


def quantile_table(results: pd.DataFrame, point: dict[str, float] | None = None,
                   quantiles=QUANTILES) -> pd.DataFrame:
    """P10/P50/P90 of each measure over the samples.

    Parameters
    ----------
    results : DataFrame
        ``sample, measure, value`` (long), one row per solved sample and measure.
    point : dict, optional
        The point value of each measure (the dataset's own numbers).
    quantiles : tuple of float
        Default 0.1, 0.5, 0.9 (columns ``p10``, ``p50``, ``p90``).

    Returns
    -------
    DataFrame
        ``measure, point, p10, p50, p90, mean, min, max, samples`` sorted by measure.
    """
    rows = []
    for measure, g in results.groupby("measure", sort=True):
        v = g["value"].to_numpy(dtype=float)
        q = _quantiles(v, quantiles)
        finite = v[np.isfinite(v)]
        rows.append({"measure": measure, "point": (point or {}).get(measure, np.nan),
                     **{f"p{round(x * 100):02d}": y for x, y in zip(quantiles, q)},
                     "mean": finite.mean() if len(finite) == len(v) and len(v) else np.nan,
                     "min": v.min() if len(v) else np.nan, "max": v.max() if len(v) else np.nan,
                     "samples": int((~np.isnan(v)).sum())})
    cols = ["measure", "point", *[f"p{round(x * 100):02d}" for x in quantiles], "mean", "min",
            "max", "samples"]
    return pd.DataFrame(rows, columns=cols)


def paired_increase(results: pd.DataFrame, scenario: str, baseline: str,
                    measures: tuple[str, ...] = ("cost_usd", "unserved_t", "spoiled_t")
                    ) -> pd.DataFrame:
    """Scenario minus baseline per sample (``<measure>_increase``), for samples solved in both.

    Parameters
    ----------
    results : DataFrame
        ``scenario, sample, measure, value``.
    """
    r = results[results["measure"].isin(measures)]
    a = r[r["scenario"] == scenario].set_index(["sample", "measure"])["value"]
    b = r[r["scenario"] == baseline].set_index(["sample", "measure"])["value"]
    d = (a - b).dropna().rename("value").reset_index()
    d["measure"] = d["measure"].str.replace(r"_(usd|t)$", r"_increase_\1", regex=True)
    return d[["sample", "measure", "value"]]


def top_k_probability(criticality: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """How often each crossing's closure ranks among the ``k`` costliest, over the samples.

    Parameters
    ----------
    criticality : DataFrame
        ``sample, crossing_id, cost_increase_usd``: one row per sample and closure.

    Returns
    -------
    DataFrame
        ``crossing_id, p_top_k, rank_p50, cost_increase_p10, _p50, _p90, samples``, most often
        in the top first (ties: higher median cost).
    """
    c = criticality.copy()
    c["rank"] = c.groupby("sample")["cost_increase_usd"].rank(method="min", ascending=False)
    rows = []
    for cid, g in c.groupby("crossing_id", sort=True):
        q = _quantiles(g["cost_increase_usd"].to_numpy(dtype=float))
        rows.append({"crossing_id": cid, "p_top_k": float((g["rank"] <= k).mean()),
                     "rank_p50": float(np.median(g["rank"])), "cost_increase_p10": q[0],
                     "cost_increase_p50": q[1], "cost_increase_p90": q[2],
                     "samples": len(g)})
    out = pd.DataFrame(rows, columns=["crossing_id", "p_top_k", "rank_p50", "cost_increase_p10",
                                      "cost_increase_p50", "cost_increase_p90", "samples"])
    return out.sort_values(["p_top_k", "cost_increase_p50", "crossing_id"],
                           ascending=[False, False, True], kind="stable", ignore_index=True)


def positive_probability(benefits: pd.DataFrame, column: str = "benefit_usd") -> pd.DataFrame:
    """How often each project's benefit (or NPV) is positive, with its band.

    Parameters
    ----------
    benefits : DataFrame
        ``sample, project, <column>``.

    Returns
    -------
    DataFrame
        ``project, p_positive, p10, p50, p90, samples``, most likely positive first.
    """
    rows = []
    for project, g in benefits.groupby("project", sort=True):
        v = g[column].to_numpy(dtype=float)
        q = _quantiles(v)
        rows.append({"project": project, "p_positive": float((v > 0).mean()), "p10": q[0],
                     "p50": q[1], "p90": q[2], "samples": len(v)})
    out = pd.DataFrame(rows, columns=["project", "p_positive", "p10", "p50", "p90", "samples"])
    return out.sort_values(["p_positive", "p50", "project"], ascending=[False, False, True],
                           kind="stable", ignore_index=True)


def routing_summary(results: pd.DataFrame) -> dict:
    """How optimal the samples are over every route (:data:`ROUTING_MEASURES`).

    Parameters
    ----------
    results : DataFrame
        ``scenario, sample, measure, value`` (long).

    Returns
    -------
    dict
        ``samples`` (solved and priced), ``certified`` (no route prices out under the
        sample's own duals and numbers, in every model of the sample), ``restricted``,
        ``unknown`` (not priced: a dated run), ``max_gap_bound_usd`` (the largest bound of
        any model; 0 when all are certified, None when unknown) and ``routes_added`` (the
        samples' own priced routes, summed).
    """
    r = results[results["measure"].isin(ROUTING_MEASURES)]
    if r.empty:
        return {"samples": 0, "certified": 0, "restricted": 0, "unknown": 0,
                "max_gap_bound_usd": None, "routes_added": 0}
    wide = r.pivot_table(index=["sample", "scenario"], columns="measure", values="value",
                         aggfunc="first", dropna=False)
    gap = wide["gap_bound_usd"]
    per = pd.DataFrame({"certified": wide["certified"] > 0.5, "unknown": gap.isna()}) \
        .groupby(level="sample").agg({"certified": "all", "unknown": "any"})
    certified = int(per["certified"].sum())
    unknown = int((per["unknown"] & ~per["certified"]).sum())
    known = gap.dropna()
    return {"samples": len(per), "certified": certified,
            "restricted": len(per) - certified - unknown, "unknown": unknown,
            "max_gap_bound_usd": None if unknown or not len(known) else float(known.max()),
            "routes_added": int(wide["routes_added"].fillna(0).sum())}


def routing_sentence(routing: dict, per_day: bool = True) -> str:
    """:func:`routing_summary` in words: "all 200 samples certified optimal over every route"
    or "170 of 200 samples certified ...; 30 restricted (gap <= X USD/day)"."""
    n, c = routing["samples"], routing["certified"]
    unit = "USD/day" if per_day else "USD"
    if not n:
        return ""
    if routing["unknown"]:
        return (f"{c:,} of {n:,} samples certified optimal over every route; "
                f"{routing['unknown']:,} restricted to their enumerated routes (a day-by-day "
                "model is not priced: gap unknown)")
    if c == n:
        return (f"all {n:,} samples certified optimal over every route (each priced with its "
                f"own duals; {routing['routes_added']:,} route(s) added for single samples)")
    return (f"{c:,} of {n:,} samples certified optimal over every route; "
            f"{routing['restricted']:,} restricted to the routes in the model "
            f"(largest gap bound {routing['max_gap_bound_usd']:,.0f} {unit}; raise "
            "--pricing-rounds)")
