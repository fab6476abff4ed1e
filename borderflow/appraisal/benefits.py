"""Annual benefit of a project from the model's daily results: seasons and weighted closures.

The model values a project per representative day: ``benefit = objective without - objective
with`` (USD/day), in a context (a month's representative day, the annual average, or a closure
of some gate). The annual benefit weights each context by the days per year it stands for::

    annual = sum_c days_c x benefit_c        (sum_c days_c = days of the year)

A closure with an expected ``d`` days per year (its probability times 365, from a scenario file
or the N-1 sweep's weights) takes ``d`` days from the context it disrupts (e.g. the month it
falls in, or the annual average).
"""

from __future__ import annotations

import calendar

import pandas as pd

#: tolerance on the days of the contexts summing to the year's days
DAYS_TOLERANCE = 0.5


def season_days(year: int = 2024) -> pd.DataFrame:
    """Days per month of ``year`` (``month, days``) for a 12-month seasonal appraisal."""
    return pd.DataFrame({"month": range(1, 13),
                         "days": [calendar.monthrange(year, m)[1] for m in range(1, 13)]})


def with_closures(contexts: pd.DataFrame, closures: pd.DataFrame) -> pd.DataFrame:
    """Move each closure's expected days out of the context it disrupts.

    Parameters
    ----------
    contexts : DataFrame
        ``context, days_per_year, benefit_usd_per_day`` (normal operation).
    closures : DataFrame
        ``context, of, days_per_year, benefit_usd_per_day``: a closure context, the context it
        disrupts (``of``) and its expected days per year.

    Raises
    ------
    ValueError
        If a closure names an unknown context or takes more days than that context has.
    """
    out = contexts.set_index("context").copy()
    for r in closures.itertuples(index=False):
        if r.of not in out.index:
            raise ValueError(f"closure '{r.context}' disrupts unknown context '{r.of}'")
        out.loc[r.of, "days_per_year"] -= r.days_per_year
        if out.loc[r.of, "days_per_year"] < -DAYS_TOLERANCE:
            raise ValueError(f"closures of '{r.of}' take more days than it has")
    extra = closures.drop(columns="of").set_index("context")
    return pd.concat([out, extra]).reset_index()


def annual_benefit(contexts: pd.DataFrame, year_days: float = 365.0) -> float:
    """``sum days_per_year x benefit_usd_per_day`` over the contexts (USD/year).

    Raises
    ------
    ValueError
        If the days do not add up to ``year_days`` (a context missing or counted twice).
    """
    days = float(contexts["days_per_year"].sum())
    if abs(days - year_days) > DAYS_TOLERANCE:
        raise ValueError(f"the contexts cover {days:g} days, not {year_days:g}: a context is "
                         "missing or counted twice")
    return float((contexts["days_per_year"] * contexts["benefit_usd_per_day"]).sum())
