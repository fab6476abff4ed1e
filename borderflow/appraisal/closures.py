"""The joint closure model of the appraisal: closure *events*, each closing a set of gates
together, with a yearly frequency and a duration (``closure_model.csv``).

Why not ``closure_probabilities.csv``: its single-gate daily probabilities (2020-2023, mostly
the zero-Covid closures) sum to about 2.8 per day, so they cannot be independent daily events
of one year, and they miss closures that hit several gates at once (the Lunar New Year customs
suspension closes the Lang Son gates and Mong Cai together). The model here:

- each row is an event type ``e`` closing the gates ``closes`` together; events arrive as a
  Poisson process with ``per_year`` events a year, each lasting ``duration_days``; so an
  expected ``d_e = per_year x duration_days`` days a year are spent in event ``e``;
- events of different rows are independent; the appraisal values each event alone, so the days
  with two events at once are not valued as such: under independence they are expected
  ``sum_{e<f} d_e d_f / 365`` days a year, reported next to every result (``overlap_days``);
- ``regime``: ``stationary`` (an ordinary year: used by default) or ``covid_era`` (China's
  zero-Covid closures of 2020-2022, a regime that ended in January 2023: kept as data for
  stress tests, not in the expected year).

The annual benefit of a project with its closures (:func:`annual_with_closures`)::

    annual = (365 - sum_e d_e) x b_0 + sum_e d_e x b_e
           = 365 b_0 + sum_e d_e (b_e - b_0)        (the second term: resilience value)

with ``b_0`` its benefit per day in normal operation and ``b_e`` during event ``e`` (both from
the model, with minus without). ``closure_days_avoided`` is the expected days a year its
crossing is open while an event closes others, for a new crossing outside every event.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.scenario import CloseEvent
from borderflow.model.network import build_network

CLOSURE_MODEL_FILE = "closure_model.csv"
REGIMES = ("stationary", "covid_era")
NUMBERS = ("per_year", "per_year_low", "per_year_high", "duration_days", "duration_days_low",
           "duration_days_high")
DAYS_PER_YEAR = 365.0


def read_closure_model(folder: Path | str | None, crossings: set[str]) -> pd.DataFrame:
    """Read and check ``closure_model.csv`` (empty table when there is none).

    Raises
    ------
    InputError
        Naming file, row and field: a missing column, an unknown crossing, a number that is
        not one, negative, or outside its low/high, an unknown regime.
    """
    cols = ["event_type", "closes", "regime", *NUMBERS]
    path = None if folder is None else Path(folder) / CLOSURE_MODEL_FILE
    if path is None or not path.is_file():
        return pd.DataFrame(columns=cols)
    shown = display_path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(Problem(shown, None, missing[0], f"required column '{missing[0]}' "
                                 "is missing"))
    problems = []
    for n, r in enumerate(df.to_dict("records"), start=1):
        for c in r["closes"].split(";"):
            if c.strip() not in crossings:
                problems.append(Problem(shown, n, "closes", f"unknown crossing '{c.strip()}'"))
        if r["regime"] not in REGIMES:
            problems.append(Problem(shown, n, "regime", f"'{r['regime']}': choose "
                                    f"{', '.join(REGIMES)}"))
        try:
            v = {k: float(r[k]) for k in NUMBERS}
        except ValueError:
            bad = next(k for k in NUMBERS if not _is_number(r[k]))
            problems.append(Problem(shown, n, bad, f"'{r[bad]}' is not a number"))
            continue
        for name in ("per_year", "duration_days"):
            lo, hi = v[f"{name}_low"], v[f"{name}_high"]
            if not 0 <= lo <= v[name] <= hi:
                problems.append(Problem(shown, n, name, f"needs 0 <= low <= value <= high, got "
                                        f"{lo:g} <= {v[name]:g} <= {hi:g}"))
    if problems:
        raise InputError(problems)
    out = df[cols].copy()
    out[list(NUMBERS)] = out[list(NUMBERS)].astype(float)
    return out


def _is_number(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


def expected_days(model: pd.DataFrame, regime: str = "stationary") -> pd.DataFrame:
    """Expected days a year in each event of ``regime`` (events with none left out).

    Returns
    -------
    DataFrame
        ``event_type, closes, per_year, duration_days, days_per_year, days_low, days_high``.

    Raises
    ------
    ValueError
        If the events take more than the year.
    """
    m = model[model["regime"] == regime] if regime != "all" else model
    out = pd.DataFrame({"event_type": m["event_type"], "closes": m["closes"],
                        "per_year": m["per_year"], "duration_days": m["duration_days"],
                        "days_per_year": m["per_year"] * m["duration_days"],
                        "days_low": m["per_year_low"] * m["duration_days_low"],
                        "days_high": m["per_year_high"] * m["duration_days_high"]})
    out = out[out["days_per_year"] > 0].reset_index(drop=True)
    if out["days_per_year"].sum() > DAYS_PER_YEAR:
        raise ValueError(f"the {regime} closure events take "
                         f"{out['days_per_year'].sum():,.0f} days a year, more than the year")
    return out


def closure_ranges(model: pd.DataFrame, events: pd.DataFrame, shown: str, tables):
    """Ranges of the events' frequency and duration (``per_year`` and ``duration_days``
    between their low and high columns, triangular with the value as mode), for the events of
    ``events``, checked like ``ranges.csv`` rows (table ``closure_model``, key
    ``event_type``): an appraisal with samples draws them with the other numbers.

    Returns
    -------
    Ranges
        Empty when no event's numbers are ranged (low == high).
    """
    from borderflow.uncertainty.ranges import RangedTable, ranges_from_records

    m = model[model["event_type"].isin(set(events["event_type"]))].reset_index(drop=True)
    records = []
    for r in m.to_dict("records"):
        for name in ("per_year", "duration_days"):
            lo, hi = float(r[f"{name}_low"]), float(r[f"{name}_high"])
            if lo < hi:
                records.append({"table": "closure_model", "key": r["event_type"],
                                "field": name, "low": lo, "high": hi,
                                "distribution": "triangular",
                                "basis": f"{CLOSURE_MODEL_FILE} {name}_low/{name}_high"})
    frame = m.astype({"per_year": float, "duration_days": float})
    table = RangedTable("closure_model", frame, ("event_type",), shown,
                        {"per_year": (0.0, None, False), "duration_days": (0.0, None, False)})
    return ranges_from_records(records, shown, tables, {"closure_model": table})


def sampled_days(events: pd.DataFrame, space, values: np.ndarray) -> np.ndarray:
    """Each event's days a year (``per_year x duration_days``) at one sample: the sampled
    frequency and duration where ``space`` ranges them (:func:`closure_ranges`), else the
    dataset's."""
    f = space.factors
    at = {(k, n): i for i, (t, k, n) in enumerate(zip(f["table"], f["key"], f["field"]))
          if t == "closure_model"}
    out = []
    for ev in events.itertuples(index=False):
        per_year, duration = (float(values[at[ev.event_type, n]]) if (ev.event_type, n) in at
                              else float(getattr(ev, n)) for n in ("per_year", "duration_days"))
        out.append(per_year * duration)
    return np.array(out, dtype=float)


def overlap_days(days: np.ndarray) -> float:
    """Expected days a year with two independent events at once: ``sum_{e<f} d_e d_f / 365``."""
    d = np.asarray(days, dtype=float)
    return float((d.sum() ** 2 - (d ** 2).sum()) / 2.0 / DAYS_PER_YEAR)


def annual_with_closures(b0: float, b_events: np.ndarray, days: np.ndarray
                         ) -> tuple[float, float]:
    """``(annual benefit, resilience value)`` in USD/year (see the module doc)."""
    days = np.asarray(days, dtype=float)
    resilience = float((days * (np.asarray(b_events, dtype=float) - b0)).sum())
    return DAYS_PER_YEAR * b0 + resilience, resilience


def event_models(models, events: pd.DataFrame, space) -> dict[str, list]:
    """For each kept model (scenario, baseline) the same model during each event: event type
    -> ``[KeptModel per model]``, sharing the HiGHS session and basis (only the rows the
    event closes differ, :func:`borderflow.uncertainty.sweep_models.scenario_view`), each
    priced per sample as the kept model is (its own routes added and taken out again)."""
    from borderflow.uncertainty.changes import structure_tables
    from borderflow.uncertainty.kept import KeptModel
    from borderflow.uncertainty.sample_pricing import SamplePricer
    from borderflow.uncertainty.sweep_models import scenario_view

    out: dict[str, list] = {}
    for ev in events.itertuples(index=False):
        out[ev.event_type] = []
        for k in models:
            s = k.net.scenario
            ctx = s.model_copy(update={"name": f"{s.name}__{ev.event_type}", "events": (
                *s.events, *(CloseEvent(crossing=c) for c in ev.closes.split(";")))})
            net = build_network(structure_tables(k.effects.tables, space), ctx)
            view = scenario_view(k.built, net)
            eff = k.effects.for_scenario(view, net)
            pricer = None if k.pricer is None else SamplePricer(eff, net, k.pricer.pricing)
            out[ev.event_type].append(KeptModel(k.name, net, k.routes, view, k.session, eff,
                                                k.warm, k.basis, pricer=pricer,
                                                rounds=k.rounds))
    return out
