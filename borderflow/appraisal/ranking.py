"""Appraisal of every project over the uncertainty samples, and the ranking with bands.

Each sample carries its own annual benefit per project (from the model, solved with that
sample's inputs) and, when ``ranges.csv`` ranges them, its own capex and opex: the finance is
run per sample, so the NPV band holds both the benefit's and the cost's uncertainty, sample by
sample (not by combining separate bands).

The ranking orders projects by their NPV at the dataset's values (the lender's central case),
with P10/P50/P90 of NPV, EIRR and BCR, the probability the NPV is positive at the discount rate
(the EIRR above the hurdle) and the probability each project is the best of the set.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from borderflow.uncertainty.sampling import SampleSet
from borderflow.uncertainty.summaries import _quantiles

from .conventions import ADB, Conventions
from .finance import Project, appraise


def _costs(samples: SampleSet | None, i: int, project: Project) -> Project:
    if samples is None:
        return project
    s = samples.sample(i)
    capex = s.get(("investments", project.project, "capex_usd"), project.capex_usd)
    opex = s.get(("investments", project.project, "opex_usd_per_year"),
                 project.opex_usd_per_year)
    return dataclasses.replace(project, capex_usd=capex, opex_usd_per_year=opex)


def appraise_samples(projects: list[Project], benefits: pd.DataFrame,
                     samples: SampleSet | None = None,
                     conventions: Conventions = ADB) -> pd.DataFrame:
    """NPV, EIRR, BCR and paybacks of each project in each sample.

    Parameters
    ----------
    projects : list of Project
    benefits : DataFrame
        ``sample, project, annual_benefit_usd`` (sample numbers index ``samples``).
    samples : SampleSet, optional
        Where sampled capex and opex are read (``investments/<project>/capex_usd``...).
    conventions : Conventions

    Returns
    -------
    DataFrame
        ``sample, project, annual_benefit_usd, capex_usd, opex_usd_per_year`` and the
        metrics of :func:`borderflow.appraisal.finance.appraise`.
    """
    by_name = {p.project: p for p in projects}
    unknown = sorted(set(benefits["project"]) - set(by_name))
    if unknown:
        raise ValueError(f"benefits of unknown project(s): {', '.join(unknown)}")
    rows = []
    for r in benefits.sort_values(["project", "sample"], kind="stable").itertuples(index=False):
        p = _costs(samples, int(r.sample), by_name[r.project])
        rows.append({"sample": int(r.sample), "project": r.project,
                     "annual_benefit_usd": float(r.annual_benefit_usd),
                     "capex_usd": p.capex_usd, "opex_usd_per_year": p.opex_usd_per_year,
                     **appraise(p, float(r.annual_benefit_usd), conventions)})
    return pd.DataFrame(rows)


def _ordered(per_sample: pd.DataFrame, metric: str) -> np.ndarray:
    """A metric's values per sample, ready for quantiles: an EIRR that does not exist because
    the project is never repaid counts as -inf (below every rate) and one of a project with
    no cost as +inf, so the band keeps those samples instead of dropping them; an ambiguous
    EIRR (several sign changes) stays NaN (left out)."""
    v = per_sample[metric].to_numpy(dtype=float)
    if metric != "eirr" or "eirr_status" not in per_sample:
        return v
    status = per_sample["eirr_status"].to_numpy()
    return np.where(status == "never_repaid", -np.inf, np.where(status == "no_cost", np.inf, v))


def appraisal_ranking(point: pd.DataFrame, per_sample: pd.DataFrame,
                      conventions: Conventions = ADB) -> pd.DataFrame:
    """Projects ranked by their central-case NPV, with bands and probabilities.

    Parameters
    ----------
    point : DataFrame
        :func:`appraise_samples` at the dataset's values (one row per project).
    per_sample : DataFrame
        :func:`appraise_samples` over the samples.

    Returns
    -------
    DataFrame
        ``rank, project, npv_usd, npv_p10, npv_p50, npv_p90, eirr, eirr_p10, eirr_p50,
        eirr_p90, eirr_status, bcr, bcr_p10, bcr_p50, bcr_p90, payback_years, p_viable,
        p_eirr_above_hurdle, p_best, discount_rate``.
    """
    best = per_sample.loc[per_sample.groupby("sample")["npv_usd"].idxmax(), "project"]
    p_best = best.value_counts() / per_sample["sample"].nunique()
    rows = []
    for r in point.itertuples(index=False):
        g = per_sample[per_sample["project"] == r.project]
        row = {"project": r.project, "npv_usd": r.npv_usd, "eirr": r.eirr,
               "eirr_status": r.eirr_status, "bcr": r.bcr, "payback_years": r.payback_years}
        for m in ("npv_usd", "eirr", "bcr"):
            q = _quantiles(_ordered(g, m))
            stem = m.replace("_usd", "")
            row.update({f"{stem}_p10": q[0], f"{stem}_p50": q[1], f"{stem}_p90": q[2]})
        row["p_viable"] = float((g["npv_usd"] >= 0).mean()) if len(g) else np.nan
        row["p_eirr_above_hurdle"] = float((g["eirr"] >= conventions.hurdle_eirr).mean()) \
            if len(g) else np.nan
        row["p_best"] = float(p_best.get(r.project, 0.0))
        row["discount_rate"] = conventions.discount_rate
        rows.append(row)
    out = pd.DataFrame(rows).sort_values(["npv_usd", "npv_p50", "project"],
                                         ascending=[False, False, True], kind="stable",
                                         ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
