"""``bf.appraise``: every candidate of ``investments.csv`` appraised as lenders do, with bands.

::

    import borderflow as bf

    ds = bf.load_dataset()
    a = bf.appraise(ds, samples=50, seed=0)        # ADB: 9 % real
    a.ranking                                       # NPV, EIRR, BCR, payback with P10/P50/P90

For each project the model gives the benefit per day, with minus without, on one kept model
pair (:func:`borderflow.uncertainty.kept.kept_models`, the same route set): a proposed or
closed crossing is valued by building it; an open or upgraded one against closing it (the
value of the gate as it is, an upper bound of what its upgrade added: said in ``basis``).

**Approximations, labelled in every output** (``benefit_basis``): by default the annual
benefit is the benefit of the annual-average day x 365; with ``seasons`` it is the sum over 12
representative days (one per month, each weighted by its days,
:func:`borderflow.appraisal.benefits.season_days`), solved warm on the same kept pair
(:meth:`borderflow.uncertainty.kept.KeptModel.solve_context`), at the dataset's values only.
Closures weighted by their probabilities (``closure_probabilities.csv``,
:func:`~borderflow.appraisal.benefits.with_closures`) are not yet run by this command
(docs/uncertainty.md, "what is left").

With ``samples``, the run's samples of ``ranges.csv`` (and the capex and opex ranges of
``investments.csv``) are solved for each project, and the finance is run per sample
(:func:`borderflow.appraisal.ranking.appraise_samples`), so the NPV band holds the benefit's and
the costs' uncertainty sample by sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import BuildEvent, Horizon, Scenario, counterfactual
from borderflow.options import RunOptions, for_optimum
from borderflow.uncertainty.format import quote, with_band
from borderflow.uncertainty.ranges import Ranges, ranges_from_records
from borderflow.uncertainty.run import _Evaluator, check_request, dataset_folder, draw, sample_space
from borderflow.uncertainty.sampling import FactorSpace
from borderflow.uncertainty.summaries import ROUTING_MEASURES, routing_summary

from borderflow.solvers.highs import SolverError

from .benefits import annual_benefit, season_days
from .closures import (annual_with_closures, closure_ranges, event_models, expected_days,
                       overlap_days, read_closure_model, sampled_days)
from .conventions import ADB, Conventions
from .finance import Project
from .investments import INVESTMENTS_FILE, ranged_investments, read_investments
from .ranking import appraisal_ranking, appraise_samples

#: how the annual benefit is computed (written next to every result)
BENEFIT_BASIS = ("annual-average day x 365: seasons and probability-weighted closures not "
                 "included (an approximation; docs/uncertainty.md)")
SEASONS_BASIS = ("12 representative days (one per month) weighted by their days in "
                 f"{2023}: probability-weighted closures not included (docs/uncertainty.md)")
CLOSURES_BASIS = ("annual-average day x 365 plus {n} closure event(s) of closure_model.csv "
                  "({regime}: {days:.1f} expected closed days a year, each event valued alone; "
                  "days with two events at once, {overlap:.2f} a year if independent, not "
                  "valued as such; docs/uncertainty.md)")
SEASONS_CLOSURES_BASIS = ("12 representative days (one per month) weighted by their days, plus "
                          "{n} closure event(s) of closure_model.csv ({regime}: {days:.1f} "
                          "expected closed days a year valued on the annual-average day; "
                          "overlap {overlap:.2f} days a year not valued; docs/uncertainty.md)")
SEASON_YEAR = 2023
#: a with-minus-without benefit smaller than this (USD/day) is solver noise, reported as 0
NOISE_USD_PER_DAY = 0.005
DAYS_PER_YEAR = 365.0
#: investments.csv low/high columns -> the field they range
RANGE_COLUMNS = {"capex_usd": ("capex_low_usd", "capex_high_usd"),
                 "opex_usd_per_year": ("opex_low_usd_per_year", "opex_high_usd_per_year")}


@dataclass(frozen=True, eq=False)
class AppraisalResult:
    """Projects appraised: ranking with bands, per-sample metrics, benefits per day.

    Attributes
    ----------
    ranking : DataFrame
        :func:`~borderflow.appraisal.ranking.appraisal_ranking` plus ``crossing_id``,
        ``valued_as``, ``benefit_usd_per_day`` and ``annual_benefit_usd`` (point).
    per_sample : DataFrame
        Metrics per sample and project (empty without samples).
    benefits : DataFrame
        ``sample, project, benefit_usd_per_day, annual_benefit_usd`` (sample -1: the point).
    seasons : DataFrame or None
        With ``seasons``: ``project, month, days, benefit_usd_per_day`` (the point).
    conventions : Conventions
    metadata : dict
    """

    ranking: pd.DataFrame
    per_sample: pd.DataFrame
    benefits: pd.DataFrame
    conventions: Conventions
    metadata: dict = field(default_factory=dict)
    seasons: pd.DataFrame | None = None

    def text(self) -> list[str]:
        """One sentence per project, best first, with the bands where sampled."""
        c = self.conventions
        lines = [f"{len(self.ranking)} project(s) appraised at {c.discount_rate:.1%} real "
                 f"({c.source}); annual benefit: {self.metadata['benefit_basis']}"]
        banded = len(self.per_sample) > 0
        for r in self.ranking.itertuples(index=False):
            npv = with_band(r.npv_usd, r.npv_p10 if banded else None,
                            r.npv_p90 if banded else None, "USD", sign=True)
            bcr = with_band(r.bcr, r.bcr_p10 if banded else None, r.bcr_p90 if banded else None,
                            "")
            eirr = f"{r.eirr:.1%}" if np.isfinite(r.eirr) else r.eirr_status.replace("_", " ")
            if banded and not (np.isnan(r.eirr_p10) or np.isnan(r.eirr_p90)):
                eirr += f" (P10\u2013P90: {_rate(r.eirr_p10)}\u2013{_rate(r.eirr_p90)})"
            lines.append(f"{r.rank}. {r.project} ({r.valued_as}): benefit "
                         f"{quote(r.benefit_usd_per_day, 'USD/day', sign=True)} USD/day "
                         f"({quote(r.annual_benefit_usd, 'USD/year', sign=True)} USD/year); NPV "
                         f"{npv}, EIRR {eirr}, BCR {bcr}"
                         + (f", P(NPV >= 0) {r.p_viable:.0%}" if banded else ""))
        return lines

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables of the appraisal folder."""
        out = {"ranking": self.ranking, "benefits": self.benefits}
        if self.seasons is not None:
            out["benefits_by_month"] = self.seasons
        if len(self.per_sample):
            out["appraisal_samples"] = self.per_sample
        return out

    def write(self, folder, on_progress=None) -> Path:
        """Write the appraisal folder (:func:`borderflow.io.write_folder`): ``ranking``,
        ``benefits``, ``appraisal_samples`` (CSV and parquet), ``appraisal.json``,
        ``summary.txt``."""
        from borderflow.io import write_folder

        if on_progress is not None:
            on_progress("write", None, None, f"writing {getattr(folder, 'out', folder)}")
        return write_folder(folder, self.tables(), {"appraisal.json": self.metadata},
                            texts={"summary.txt": "\n".join(self.text()) + "\n"}, volatile={})


def _rate(x: float) -> str:
    """An EIRR as quoted: a percent, or what an infinite one means."""
    if np.isinf(x):
        return "never repaid" if x < 0 else "no cost"
    return f"{x:.1%}"


def read_projects(tables: InputTables, source: Path | str | None = None
                  ) -> tuple[list[Project], pd.DataFrame, str]:
    """The dataset's projects (``investments.csv``), checked; refused if there are none."""
    src = source if source is not None else dataset_folder(tables)
    projects, frame = read_investments(src, tables)
    shown = str(Path(src) / INVESTMENTS_FILE) if src is not None and Path(src).is_dir() \
        else str(src)
    if not projects:
        raise InputError(Problem(shown, None, None, "no investments to appraise (the file is "
                                 "missing or empty)"))
    return projects, frame, shown


def investment_ranges(frame: pd.DataFrame, shown: str, tables: InputTables) -> Ranges:
    """Capex and opex ranges from ``investments.csv``'s own low/high columns (triangular,
    mode = the published or estimated value), checked like ``ranges.csv`` rows."""
    records = []
    for r in frame.to_dict("records"):
        for fieldname, (lo, hi) in RANGE_COLUMNS.items():
            if lo in r and hi in r and str(r[lo]) not in ("", "nan") and \
                    str(r[hi]) not in ("", "nan"):
                records.append({"table": "investments", "key": r["project"],
                                "field": fieldname, "low": r[lo], "high": r[hi],
                                "distribution": "triangular",
                                "basis": f"{INVESTMENTS_FILE} {lo}/{hi}"})
    return ranges_from_records(records, shown, tables,
                               {"investments": ranged_investments(frame, shown)})


def project_scenario(tables: InputTables, project: Project) -> tuple[Scenario, int, str]:
    """The scenario that differs from the baseline by the project, the sign that turns its
    cost increase into the project's benefit, and how it is valued."""
    status = dict(zip(tables.crossings["crossing_id"], tables.crossings["status"]))
    cid = project.crossing_id
    if status.get(cid) in ("proposed", "closed"):
        return (Scenario(name=f"build-{cid}", events=(BuildEvent(build=cid),)), -1,
                "built vs not")
    return Scenario.closing([cid], name=f"without-{cid}"), 1, \
        "the gate vs closing it (upper bound of its upgrade)"


def appraise(dataset: InputTables, options: RunOptions | None = None, *,
             conventions: Conventions = ADB, samples: int = 0, seed: int = 0,
             method: str = "lhs", investments: Path | str | None = None,
             ranges: Path | str | None = None, only: list[str] | None = None,
             seasons: bool = False, closures: str = "stationary",
             on_progress=None) -> AppraisalResult:
    """Appraise every project of ``investments.csv``: benefit from the model, NPV, EIRR, BCR,
    paybacks at the lender's rate, ranked; with ``samples``, their P10/P50/P90.

    Parameters
    ----------
    dataset : InputTables
    options : RunOptions, optional
    conventions : Conventions
        Discount rate and hurdle (default ADB, 9 % real).
    samples : int
        Samples of the ranges (0: the point only).
    seed, method
        The design, as :func:`borderflow.uncertainty`.
    investments, ranges : path, optional
        Default: the dataset folder's ``investments.csv`` and ``ranges.csv``.
    only : list of str, optional
        Appraise these projects only.
    seasons : bool
        Annual benefit over 12 representative days (one per month, each weighted by its
        days) instead of the annual-average day x 365; the point only (not with ``samples``).
    on_progress : callable, optional

    Returns
    -------
    AppraisalResult

    Raises
    ------
    InputError
        Bad options, investments or ranges (file, row, field); an unknown ``only`` project.
    """
    dataset = dataset.copy()  # a snapshot: tables edited in place later do not reach cached rules
    progress = on_progress or (lambda *a, **k: None)
    if samples:
        check_request(samples, method, seed, "none", "warm", 0, 10)
    if samples and seasons:
        raise InputError(Problem("command line", None, "--seasons", "seasons are valued at the "
                                 "dataset's values only: give --seasons or --samples, not both"))
    options, _ = for_optimum(options or RunOptions(), "appraise")  # realistic refused
    projects, frame, shown = read_projects(dataset, investments)
    if only:
        names = {p.project for p in projects}
        bad = [o for o in only if o not in names]
        if bad:
            raise InputError(Problem("command line", None, "--only", f"no project '{bad[0]}' "
                                     f"in {shown} (projects: {', '.join(sorted(names))})"))
        projects = [p for p in projects if p.project in set(only)]
    events, closure_file, closure_ranges = closure_events(dataset, closures)
    space, design = _design(dataset, frame, shown, ranges, samples, method, seed,
                            closure_ranges)
    days = events["days_per_year"].to_numpy(dtype=float)
    rows, months, routing = [], [], []
    for k, project in enumerate(projects):
        scenario, sign, how = project_scenario(dataset, project)
        progress("projects", k, len(projects), f"{project.project}: building its models")
        evaluate = _Evaluator(dataset, scenario, options, space, "warm", None)
        during = event_models(evaluate.models, events, space) if len(events) else {}
        values = [space.point()[0]] + ([] if design is None else list(design.values))
        for i, v in enumerate(values):
            solved = evaluate(v)
            ok = all(isinstance(solved.get(n), dict) for n in ("scenario", "baseline"))
            routing.extend({"scenario": n, "sample": k * len(values) + i, "measure": m,
                            "value": solved[n].get(m, np.nan)}
                           for n in ("scenario", "baseline") if isinstance(solved.get(n), dict)
                           for m in ROUTING_MEASURES)
            per_day = _denoise(sign * (solved["scenario"]["cost_usd"]
                                       - solved["baseline"]["cost_usd"])) if ok else np.nan
            b_events = np.array([_benefit_during(during[e], v, sign)
                                 for e in events["event_type"]], dtype=float)
            days_v = sampled_days(events, space, v) if len(events) else days
            annual, resilience = annual_with_closures(per_day, b_events, days_v)
            rows.append({"sample": i - 1, "project": project.project, "valued_as": how,
                         "normal_day_benefit_usd": per_day,
                         "benefit_usd_per_day": annual / DAYS_PER_YEAR,
                         "annual_benefit_usd": annual, "resilience_usd_per_year": resilience,
                         "closure_days_per_year": float(days_v.sum()),
                         **({"annual_benefit_days_low_usd": annual_with_closures(
                             per_day, b_events, events["days_low"])[0],
                             "annual_benefit_days_high_usd": annual_with_closures(
                                 per_day, b_events, events["days_high"])[0]} if i == 0 else {})})
        if seasons:
            by_month = _seasonal(evaluate.models, scenario, sign, project.project)
            months.append(by_month)
            rows[-1]["annual_benefit_usd"] = annual_benefit(
                by_month.rename(columns={"days": "days_per_year"}).assign(
                    context=by_month["month"]), DAYS_PER_YEAR) + rows[-1][
                "resilience_usd_per_year"]
            rows[-1]["benefit_usd_per_day"] = rows[-1]["annual_benefit_usd"] / DAYS_PER_YEAR
        progress("projects", k + 1, len(projects), f"{project.project}: done")
    benefits = pd.DataFrame(rows)
    point_rows = benefits[benefits["sample"] == -1]
    point = appraise_samples(projects, point_rows.drop(columns="valued_as"), None, conventions)
    sampled = benefits[(benefits["sample"] >= 0) & benefits["annual_benefit_usd"].notna()]
    per_sample = appraise_samples(projects, sampled.drop(columns="valued_as"), design,
                                  conventions) if len(sampled) else pd.DataFrame(
        columns=point.columns)
    ranking = appraisal_ranking(point, per_sample if len(per_sample) else
                                point.assign(sample=0), conventions)
    if not len(per_sample):  # no samples: no bands (not the point repeated as a band)
        banded = [c for c in ranking.columns if c.endswith(("_p10", "_p50", "_p90"))
                  or c in ("p_viable", "p_eirr_above_hurdle", "p_best")]
        ranking[banded] = np.nan
    extra = point_rows.set_index("project")
    by = {p.project: p for p in projects}
    ranking.insert(2, "crossing_id", [by[p].crossing_id for p in ranking["project"]])
    ranking.insert(3, "valued_as", [extra.loc[p, "valued_as"] for p in ranking["project"]])
    ranking.insert(4, "benefit_usd_per_day", [extra.loc[p, "benefit_usd_per_day"]
                                              for p in ranking["project"]])
    ranking.insert(5, "annual_benefit_usd", [extra.loc[p, "annual_benefit_usd"]
                                             for p in ranking["project"]])
    for col in ("resilience_usd_per_year", "closure_days_per_year", "annual_benefit_days_low_usd",
                "annual_benefit_days_high_usd"):
        ranking[col] = [extra.loc[p, col] for p in ranking["project"]]
    if len(per_sample):
        res = benefits[benefits["sample"] >= 0].groupby("project")["resilience_usd_per_year"]
        for q, name in ((0.1, "p10"), (0.5, "p50"), (0.9, "p90")):
            ranking[f"resilience_{name}"] = ranking["project"].map(res.quantile(q)).to_numpy()
    basis = (SEASONS_BASIS if seasons else BENEFIT_BASIS) if not len(events) else (
        (SEASONS_CLOSURES_BASIS if seasons else CLOSURES_BASIS).format(
            n=len(events), regime=closures, days=days.sum(), overlap=overlap_days(days)))
    ranking["benefit_basis"] = basis
    meta = {"benefit_basis": basis, "discount_rate": conventions.discount_rate,
            "hurdle_eirr": conventions.hurdle_eirr, "conventions_source": conventions.source,
            "samples": 0 if design is None else len(design), "seed": int(seed),
            "method": None if design is None else design.method, "investments_file": shown,
            "route_set": "kept routes + column generation at the point; every sample priced "
                         "with its own duals (closure-event days too; routing counts normal "
                         "days)",
            "routing": routing_summary(pd.DataFrame(routing, columns=[
                "scenario", "sample", "measure", "value"])),
            "projects": [p.project for p in projects],
            "closure_regime": closures, "closure_model_file": closure_file,
            "closure_events": events.to_dict("records"),
            "closure_days_per_year": float(days.sum()),
            "closure_overlap_days_per_year": overlap_days(days)}
    return AppraisalResult(ranking, per_sample, benefits.drop(columns="valued_as"),
                           conventions, meta,
                           pd.concat(months, ignore_index=True) if months else None)


def _benefit_during(models, values, sign: int) -> float:
    """A project's benefit per day during one closure event (its kept pair, closed)."""
    try:
        scen, base = (m.solve(values)["cost_usd"] for m in models)
    except SolverError:
        return np.nan
    return _denoise(sign * (scen - base))


def _denoise(usd_per_day: float) -> float:
    """A benefit within :data:`NOISE_USD_PER_DAY` of zero is zero: the difference of two
    objectives of ~1e7-1e8 USD solved to HiGHS's tolerances (not a benefit)."""
    return 0.0 if abs(usd_per_day) < NOISE_USD_PER_DAY else float(usd_per_day)


def closure_events(dataset: InputTables, regime: str
                    ) -> tuple[pd.DataFrame, str | None, Ranges | None]:
    """The expected days a year of each closure event of ``regime`` (none: empty), the
    file, and the ranges of the events' frequencies and durations
    (:func:`~borderflow.appraisal.closures.closure_ranges`; None without events)."""
    from .closures import CLOSURE_MODEL_FILE, REGIMES

    if regime not in (*REGIMES, "all", "none"):
        raise InputError(Problem("command line", None, "--closures", f"unknown regime "
                                 f"'{regime}'; choose stationary, all or none"))
    empty = pd.DataFrame(columns=["event_type", "closes", "days_per_year", "days_low",
                                  "days_high"])
    folder = dataset_folder(dataset)
    if regime == "none" or folder is None or not (folder / CLOSURE_MODEL_FILE).is_file():
        return empty, None, None
    model = read_closure_model(folder, set(dataset.crossings["crossing_id"]))
    file = str(folder / CLOSURE_MODEL_FILE)
    try:
        events = expected_days(model, regime)
    except ValueError as err:
        raise InputError(Problem(file, None, "--closures", str(err))) from None
    return events, file, closure_ranges(model, events, file, dataset)


def _seasonal(models, scenario: Scenario, sign: int, project: str) -> pd.DataFrame:
    """The project's benefit on each month's representative day (the point), on its kept
    model pair: ``project, month, days, benefit_usd_per_day``."""
    kept = {m.name: m for m in models}
    days = season_days(SEASON_YEAR)
    out = []
    for month, n in zip(days["month"], days["days"]):
        with_month = scenario.model_copy(update={"horizon": Horizon(month=int(month))})
        cost = kept["scenario"].solve_context(with_month)
        base = kept["baseline"].solve_context(counterfactual(with_month))
        out.append({"project": project, "month": int(month), "days": int(n),
                    "benefit_usd_per_day": sign * (cost - base)})
    return pd.DataFrame(out)


def _design(dataset: InputTables, frame: pd.DataFrame, shown: str, ranges, samples: int,
            method: str, seed: int, closures: Ranges | None = None):
    """The factor space (model ranges + capex/opex ranges + the closure events' frequency
    and duration ranges) and the samples (None: point)."""
    inv = investment_ranges(frame, shown, dataset)
    if not samples:
        return FactorSpace.from_ranges(inv), None
    checked, _, _ = sample_space(dataset, Scenario(), ranges, mode="warm",
                                 extra={"investments": ranged_investments(frame, shown)})
    static = checked.table[checked.table["effect_static"] != "structure"]
    both = pd.concat([static, inv.table, *([closures.table] if closures is not None else [])],
                     ignore_index=True)
    both = both.drop_duplicates(["table", "key", "field"], keep="first")
    space = FactorSpace.from_ranges(Ranges(both, checked.file))
    return space, draw(space, samples, method, seed)
