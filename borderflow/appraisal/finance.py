"""Cash flows of a crossing project and its NPV, EIRR, BCR and payback (numpy-financial).

Timeline (calendar years, real prices): capex is spent over the ``construction_years`` before
the opening year (evenly, or by ``capex_phasing``; with 0 construction years, in the opening
year); from the opening date the project earns its annual benefit and pays its opex, pro rata
in the opening year, for ``economic_life_years`` years (the last year gets the remainder).
Flows of a year are discounted to the base year by ``(1 + r)^(year - base_year)``.

- **NPV** = ``numpy_financial.npv`` of the net flows (benefit - opex - capex);
- **BCR** = PV(benefits) / PV(capex + opex);
- **EIRR** = ``numpy_financial.irr`` when the net flows change sign exactly once (costs first,
  then benefits: by Descartes' rule of signs the rate is then unique). With no sign change there
  is none (``eirr_status`` says why: the benefits never repay, or there is no cost); with
  several (e.g. a negative last year) the IRR may not be unique, so none is reported and the
  modified IRR (``numpy_financial.mirr``, financed and reinvested at the discount rate) is
  given instead;
- **payback**: years after opening until the cumulative net flow (simple) or discounted net
  flow turns non-negative, interpolated within the year; NaN if not within the life.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf
import pandas as pd

from .conventions import ADB, Conventions


@dataclass(frozen=True)
class Project:
    """One investment: a new or upgraded crossing.

    Attributes
    ----------
    project : str
        Id (usually the crossing id).
    crossing_id : str
    capex_usd : float
        Investment cost, USD in real terms.
    opex_usd_per_year : float
        Additional operating and maintenance cost, USD/year.
    construction_years : int
        Years of construction before the opening year (0: spent in the opening year).
    opens : datetime.date
        First day of operation.
    economic_life_years : int
        Years of operation appraised.
    capex_phasing : tuple of float, optional
        Share of capex in each construction year (sums to 1); default even.
    """

    project: str
    crossing_id: str
    capex_usd: float
    opex_usd_per_year: float
    construction_years: int
    opens: dt.date
    economic_life_years: int
    capex_phasing: tuple[float, ...] | None = None

    def phasing(self) -> np.ndarray:
        """Capex share per construction year (one year at 1.0 when there are none)."""
        n = max(self.construction_years, 1)
        if self.capex_phasing is None:
            return np.full(n, 1.0 / n)
        return np.asarray(self.capex_phasing, dtype=float)


def _year_fraction(day: dt.date) -> float:
    """Share of ``day``'s year from ``day`` (included) to its end."""
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return (length - (day - start).days) / length


def cash_flows(project: Project, annual_benefit_usd: float,
               conventions: Conventions = ADB) -> pd.DataFrame:
    """Yearly flows of a project (USD, real).

    Returns
    -------
    DataFrame
        ``year, operating_share, benefit_usd, opex_usd, capex_usd, net_usd, discount_factor``
        from the first year of construction to the last year of operation.
    """
    open_year = project.opens.year
    first = open_year - project.construction_years
    f0 = _year_fraction(project.opens)
    life = project.economic_life_years
    years_open = life + (1 if f0 < 1.0 else 0)
    years = np.arange(first, open_year + years_open)
    share = np.zeros(len(years))
    ops = years >= open_year
    share[ops] = 1.0
    share[years == open_year] = f0
    if f0 < 1.0:
        share[-1] = 1.0 - f0
    growth = (1.0 + conventions.benefit_growth) ** np.maximum(years - open_year, 0)
    capex = np.zeros(len(years))
    phase = project.phasing()
    build_years = np.arange(first, first + len(phase)) if project.construction_years else \
        np.array([open_year])
    capex[np.searchsorted(years, build_years)] = project.capex_usd * phase
    benefit = annual_benefit_usd * share * growth
    opex = project.opex_usd_per_year * share
    base = conventions.base_year if conventions.base_year is not None else first
    factor = (1.0 + conventions.discount_rate) ** -(years - base).astype(float)
    return pd.DataFrame({"year": years, "operating_share": share, "benefit_usd": benefit,
                         "opex_usd": opex, "capex_usd": capex,
                         "net_usd": benefit - opex - capex, "discount_factor": factor})


def _sign_changes(values: np.ndarray) -> int:
    s = np.sign(values[values != 0])
    return int((s[1:] != s[:-1]).sum())


def _npv(rate: float, values: np.ndarray, offset: int) -> float:
    """NPV to the base year, ``offset`` = first year - base year (numpy-financial's NPV takes
    its first value as undiscounted)."""
    if offset >= 0:
        return float(npf.npv(rate, np.concatenate([np.zeros(offset), values])))
    return float(npf.npv(rate, values)) * (1.0 + rate) ** (-offset)


def _payback(flows: np.ndarray, years: np.ndarray, opens: dt.date) -> float:
    """Years after opening until the cumulative flow is >= 0 for good (flows of a year accrue
    evenly over it); NaN if it is still negative at the end of the life."""
    cum = np.cumsum(flows)
    if cum[-1] < 0:
        return math.nan
    neg = np.flatnonzero(cum < 0)
    if not len(neg):
        return 0.0
    t = int(neg[-1]) + 1  # the year the cumulative flow turns non-negative for good
    reached = years[t] + (-cum[t - 1] / flows[t])  # flows[t] > 0: it rises through 0
    opened = opens.year + (1.0 - _year_fraction(opens))
    return max(0.0, float(reached - opened))


def appraise(project: Project, annual_benefit_usd: float,
             conventions: Conventions = ADB) -> dict:
    """NPV, EIRR, BCR and paybacks of one project at one annual benefit.

    Parameters
    ----------
    project : Project
    annual_benefit_usd : float
        With-minus-without benefit in the model year, USD/year (see
        :func:`borderflow.appraisal.benefits.annual_benefit`).
    conventions : Conventions
        Discount rate (default ADB's 9 % real), hurdle, base year, benefit growth.

    Returns
    -------
    dict
        ``npv_usd, pv_benefit_usd, pv_cost_usd, bcr, eirr, eirr_status, mirr,
        payback_years, discounted_payback_years, viable`` (``viable``: NPV >= 0 at the rate).
    """
    cf = cash_flows(project, annual_benefit_usd, conventions)
    r = conventions.discount_rate
    base = conventions.base_year if conventions.base_year is not None else int(cf["year"][0])
    offset = int(cf["year"].iloc[0]) - base
    net = cf["net_usd"].to_numpy()
    pv_b = _npv(r, cf["benefit_usd"].to_numpy(), offset)
    pv_c = _npv(r, (cf["capex_usd"] + cf["opex_usd"]).to_numpy(), offset)
    changes = _sign_changes(net)
    eirr, mirr = math.nan, math.nan
    if changes == 1:
        eirr = float(npf.irr(net))
        status = "ok" if math.isfinite(eirr) else "not_found"
    elif changes == 0:
        status = "no_cost" if (net >= 0).all() else "never_repaid"
    else:
        status = f"ambiguous ({changes} sign changes)"
        mirr = float(npf.mirr(net, r, r))
    years = cf["year"].to_numpy()
    return {"npv_usd": _npv(r, net, offset), "pv_benefit_usd": pv_b, "pv_cost_usd": pv_c,
            "bcr": pv_b / pv_c if pv_c > 0 else math.nan, "eirr": eirr, "eirr_status": status,
            "mirr": mirr, "payback_years": _payback(net, years, project.opens),
            "discounted_payback_years": _payback(net * cf["discount_factor"].to_numpy(),
                                                 years, project.opens),
            "viable": bool(_npv(r, net, offset) >= 0), "discount_rate": r}
