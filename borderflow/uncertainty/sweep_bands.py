"""Bands of a sweep: every scenario solved under N sampled parameter sets (``sweep --samples``).

For each sample of ``ranges.csv`` (seeded Latin hypercube or Sobol, as
:func:`borderflow.uncertainty`), every scenario of the sweep, its baselines and its
investment variants are re-solved warm on their structure's kept model
(:mod:`borderflow.uncertainty.sweep_models`), in this process or on the sweep's Dask workers.
Increases are paired sample by sample (scenario minus its baseline, both with the same inputs).
Tables written in the sweep folder (CSV and parquet, :func:`borderflow.io.write_table`):

- ``sweep_bands``: per scenario the point cost increase vs its baseline and its P10/P50/P90
  (also of unserved and spoiled tonnes), and P(cost increase > 0);
- ``criticality_bands``: per single-crossing closure, P(its closure ranks in the top ``k``
  costliest of its baseline's closures) over the samples (ranks with ties at the minimum);
- ``investment_bands``: per project and context, P(benefit > 0) and the benefit's band
  (benefit = cost without the project - cost with it, as the sweep's ``investments``);
- ``bands.json``: the design (samples, method, seed, ranges checksum, top ``k``), the route
  set and ``routing``: how many samples are certified optimal over every route (each scenario
  and sample priced with its own duals, :mod:`borderflow.uncertainty.sweep_models`), the
  largest gap bound of the others.

**Resume**: samples are solved in chunks of :data:`CHUNK` and each chunk is written to
``band_samples/`` as soon as it is solved, with the design's fingerprint
(``band_samples/design.json``). A resumed sweep keeps the chunks of the same design and solves
the rest; the tables are built from all chunks in sample order, so they are byte-identical to
those of an uninterrupted run (each sample restarts HiGHS from the reference basis).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.scenario import Scenario
from borderflow.io import remove_table, write_json, write_table

from .chunks import CHUNK  # noqa: F401  (re-exported: the unit of resume)
from .chunks import design_sha256, solve_in_chunks
from .format import with_band
from .run import _sha256, _shown, check_request, draw, sample_space
from .summaries import (ROUTING_MEASURES, positive_probability, quantile_table, routing_sentence,
                        routing_summary, top_k_probability)
from .sweep_models import SweepPayload, check_static

#: sub-folder of the sweep folder holding the solved chunks
SAMPLES_DIR = "band_samples"
#: a change below this (USD) is no change when counting P(> 0)
ZERO_USD = 0.5
BAND_TABLES = ("sweep_bands", "criticality_bands", "investment_bands")
MEASURES = ("cost_usd", "unserved_t", "spoiled_t")


@dataclass(frozen=True)
class BandRequest:
    """What ``sweep --samples`` asks for (checked by :meth:`check`)."""

    samples: int
    seed: int = 0
    method: str = "lhs"
    ranges: Path | str | None = None
    top_k: int = 5

    def check(self) -> None:
        """Refuse impossible options (one line naming the option; exit 2 on the CLI)."""
        from borderflow.data.errors import InputError, Problem

        check_request(self.samples, self.method, self.seed, "none", "warm", 0, 10)
        if self.top_k < 1:
            raise InputError(Problem("command line", None, "--top-k",
                                     f"must be >= 1, got {self.top_k}"))


@dataclass
class SweepBands:
    """The bands of a sweep: long per-sample results, the three band tables, the design."""

    results: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    metadata: dict = field(default_factory=dict)
    seconds_per_sample: float = 0.0
    chunks_kept: int = 0

    def text(self, top: int = 5) -> list[str]:
        """Sentences with bands: the most probably critical crossings, the investments."""
        m = self.metadata
        lines = [f"bands over {m['samples']:,} samples ({m['method']}, seed {m['seed']}) of "
                 f"{m['dimensions']} ranged inputs"]
        if (m.get("routing") or {}).get("samples"):
            lines.append(routing_sentence(m["routing"]))
        crit = self.tables["criticality_bands"]
        for r in crit.head(top).itertuples(index=False):
            lines.append(f"{r.crossing_id} ({r.baseline}): in the top {m['top_k']} in "
                         f"{r.p_top_k:.0%} of samples; closure "
                         + with_band(r.cost_increase_point, r.cost_increase_p10,
                                     r.cost_increase_p90, "USD/day", sign=True))
        inv = self.tables["investment_bands"]
        for r in inv.head(top).itertuples(index=False):
            lines.append(f"{r.project} under {r.context}: benefit "
                         + with_band(r.benefit_point, r.p10, r.p90, "USD/day", sign=True)
                         + f", P(benefit > 0) {r.p_positive:.0%}")
        return lines


def band_tables(plan_rows: pd.DataFrame, results: pd.DataFrame, point: dict,
                kinds: dict[str, str], top_k: int = 5) -> dict[str, pd.DataFrame]:
    """The three band tables from per-sample results (no solver here).

    Parameters
    ----------
    plan_rows : DataFrame
        One row per scenario: ``scenario, role, baseline, closed, closed_set, project,
        context``.
    results : DataFrame
        ``scenario, sample, measure, value, status`` (long; NaN where not optimal).
    point : dict
        Scenario -> measures at the dataset's values.
    kinds : dict
        Project -> ``build`` (its variant builds it) or else (its variant removes it).
    top_k : int

    Returns
    -------
    dict of DataFrame
        ``sweep_bands``, ``criticality_bands``, ``investment_bands``.
    """
    results = results[~results["measure"].isin(ROUTING_MEASURES)]
    wide = results.pivot_table(index=["scenario", "sample"], columns="measure",
                               values="value", dropna=False, sort=True)
    rows, crit, inv = [], [], []
    for r in plan_rows.itertuples(index=False):
        if r.role == "baseline" or r.scenario not in wide.index.get_level_values(0):
            continue
        a, b = wide.loc[r.scenario], wide.loc[r.baseline]
        diff = (a - b).dropna(how="all")
        p = {m: point.get(r.scenario, {}).get(m, np.nan) - point.get(r.baseline, {}).get(
            m, np.nan) if isinstance(point.get(r.scenario), dict) and isinstance(
            point.get(r.baseline), dict) else np.nan for m in MEASURES}
        long = diff.reset_index().melt(id_vars="sample", var_name="measure", value_name="value")
        q = quantile_table(long.dropna(subset=["value"]), p).set_index("measure")
        cost = diff["cost_usd"].dropna()
        row = {"scenario": r.scenario, "role": r.role, "baseline": r.baseline,
               "closed": r.closed, "project": r.project, "context": r.context}
        for m in MEASURES:
            name = m.replace("_usd", "_increase_usd").replace("_t", "_increase_t")
            for c in ("point", "p10", "p50", "p90"):
                row[f"{name}_{c}"] = q.loc[m, c] if m in q.index else np.nan
        row["p_increase"] = float((cost > ZERO_USD).mean()) if len(cost) else np.nan
        row["samples"] = int(len(cost))
        rows.append(row)
        if r.role == "scenario" and isinstance(r.closed, str) and r.closed and \
                not (isinstance(r.closed_set, str) and r.closed_set):
            crit.append(pd.DataFrame({"baseline": r.baseline, "crossing_id": r.closed,
                                      "sample": cost.index, "cost_increase_usd": cost.values,
                                      "point": p["cost_usd"]}))
        if r.role == "investment":
            sign = -1.0 if kinds.get(r.project) == "build" else 1.0
            inv.append(pd.DataFrame({"project": r.project, "context": r.context,
                                     "sample": cost.index, "benefit_usd": sign * cost.values,
                                     "point": sign * p["cost_usd"]}))
    return {"sweep_bands": pd.DataFrame(rows),
            "criticality_bands": _criticality(crit, top_k),
            "investment_bands": _investments(inv)}


def _criticality(parts: list[pd.DataFrame], top_k: int) -> pd.DataFrame:
    cols = ["baseline", "crossing_id", "p_top_k", "top_k", "rank_p50", "cost_increase_point",
            "cost_increase_p10", "cost_increase_p50", "cost_increase_p90", "samples"]
    if not parts:
        return pd.DataFrame(columns=cols)
    c = pd.concat(parts, ignore_index=True)
    out = []
    for base, g in c.groupby("baseline", sort=True):
        t = top_k_probability(g, top_k)
        point = g.groupby("crossing_id")["point"].first()
        out.append(t.assign(baseline=base, top_k=top_k,
                            cost_increase_point=t["crossing_id"].map(point).to_numpy()))
    return pd.concat(out, ignore_index=True)[cols]


def _investments(parts: list[pd.DataFrame]) -> pd.DataFrame:
    cols = ["project", "context", "benefit_point", "p_positive", "p10", "p50", "p90",
            "samples"]
    if not parts:
        return pd.DataFrame(columns=cols)
    b = pd.concat(parts, ignore_index=True)
    # positive: above the half-dollar of solver noise, as the sweep's own tables count it
    b["key"] = b["project"] + "\u0000" + b["context"]
    t = positive_probability(b.assign(project=b["key"],
                                      benefit_usd=b["benefit_usd"].where(
                                          b["benefit_usd"].abs() > ZERO_USD, 0.0)))
    point = b.groupby("key")["point"].first()
    t["benefit_point"] = t["project"].map(point).to_numpy()
    t[["project", "context"]] = t["project"].str.split("\u0000", expand=True).to_numpy()
    return t[cols]


def _design_fingerprint(request: BandRequest, checked, space, names: list[str],
                        design) -> dict:
    return {"samples": int(len(design)), "method": design.method, "seed": int(request.seed),
            "ranges_sha256": _sha256(checked.file), "dimensions": int(space.n_dimensions),
            "factors": int(space.n_factors), "scenarios": names,
            "design_sha256": design_sha256(design.values)}


def sweep_bands(plan, folder: Path | str, request: BandRequest, *, client=None,
                resume: bool = False, on_progress=None) -> SweepBands:
    """Solve every scenario of ``plan`` under ``request.samples`` samples; write the bands.

    Parameters
    ----------
    plan : SweepPlan
        The sweep's plan, investment variants included (static scenarios only).
    folder : path
        The (claimed) sweep folder: chunks go to ``band_samples/``, tables to the top.
    request : BandRequest
    client : distributed.Client, optional
        Solve on these Dask workers (each keeps its own models); else in this process.
    resume : bool
        Keep the chunks of the same design already in ``folder``.
    on_progress : callable, optional
        ``(stage, done, total, message)``; stage ``samples``.

    Returns
    -------
    SweepBands

    Raises
    ------
    InputError
        Bad options, a ranges problem (file, row, field), dated scenarios.
    """
    progress = on_progress or (lambda *a, **k: None)
    folder = Path(folder)
    request.check()
    check_static(plan)
    checked, space, _ = sample_space(plan.tables, Scenario(), request.ranges, mode="warm")
    design = draw(space, request.samples, request.method, request.seed)
    payload = SweepPayload(plan.tables, tuple((e.name, e.scenario, e.structure)
                                              for e in plan.entries),
                           dict(plan.structures), plan.options, space)
    if client is not None:
        from .distributed import DaskEvaluator

        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        evaluate = DaskEvaluator(client, payload, n_workers)
    else:
        evaluate = payload.evaluator(progress)
    point = evaluate(space.point()[0])
    fingerprint = _design_fingerprint(request, checked, space, payload.names, design)
    n = len(design)
    t0 = time.perf_counter()
    progress("samples", 0, n, f"solving {n:,} samples x {len(payload.names)} scenarios")
    results, kept, solved = solve_in_chunks(design.values, evaluate, folder / SAMPLES_DIR,
                                            fingerprint, resume, progress, "sweep:band-chunk")
    seconds = (time.perf_counter() - t0) / max(solved, 1)
    plan_rows = pd.DataFrame([e.row() for e in plan.entries])
    kinds = {p.name: ("build" if p.with_events else p.kind) for p in plan.projects}
    tables = band_tables(plan_rows, results, point, kinds, request.top_k)
    meta = {"samples": int(n), "method": design.method, "seed": int(request.seed),
            "top_k": int(request.top_k),
            "ranges_file": _shown(checked.file, plan.tables),
            "ranges_sha256": fingerprint["ranges_sha256"], "dimensions": space.n_dimensions,
            "factors": space.n_factors,
            "route_set": "each structure's reference routes; every scenario and sample priced "
                         "with its own duals, its improving routes added and re-solved",
            "routing": routing_summary(results),
            "scenarios": len(payload.names)}
    for name in BAND_TABLES:  # as the sweep's tables: none written without rows
        if len(tables[name]):
            write_table(folder, name, tables[name])
        else:
            remove_table(folder, name)
    write_json(folder / "bands.json", meta)
    return SweepBands(results, tables, meta, seconds_per_sample=seconds, chunks_kept=kept)


class BandsStep:
    """The ``after`` step of :func:`borderflow.sweeps.run_sweep` that adds the bands.

    ::

        step = BandsStep(BandRequest(samples=30, seed=0))
        bf.run_sweep(plan, "runs/n1", after=step)
        step.bands.tables["criticality_bands"]

    Parameters
    ----------
    request : BandRequest
    on_progress : callable, optional
    distributed : bool
        Solve the samples on the sweep's Dask workers (default) or in this process.
    """

    def __init__(self, request: BandRequest, on_progress=None, distributed: bool = True):
        self.request, self.on_progress, self.distributed = request, on_progress, distributed
        self.bands: SweepBands | None = None

    def check(self, plan) -> None:
        """Everything refused before the sweep folder is claimed: options, dated scenarios,
        the ranges file (file, row, field)."""
        self.request.check()
        check_static(plan)
        sample_space(plan.tables, Scenario(), self.request.ranges, mode="warm")

    def __call__(self, folder: Path, plan, client, resume: bool) -> dict[str, pd.DataFrame]:
        self.bands = sweep_bands(plan, folder, self.request,
                                 client=client if self.distributed else None, resume=resume,
                                 on_progress=self.on_progress)
        return self.bands.tables
