"""What each command shows, built once for the terminal and for ``--json``: its views, story
and envelope (:mod:`borderflow.present.envelope`, schema
``docs/schema/borderflow-output.schema.json``).

The commands (:mod:`borderflow.cli.commands`) call these after the public API returned; the
terminal prints the views (:mod:`borderflow.cli.display`), ``--json`` prints the envelope with
the same views as tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from borderflow.present import envelope as E
from borderflow.present.names import Names
from borderflow.present.numbers import Horizon, fmt, fmt_money, net_value
from borderflow.present.sweep_views import robust_views, sweep_views
from borderflow.present.views import (
    View,
    dataset_views,
    list_view,
    run_views,
    split_report,
    tables,
    verification_views,
)

#: ``data list`` kinds
LIST_KINDS = ("crossings", "products", "places", "groups")


def failure(command: str, err: Exception) -> dict:
    """The envelope of a command that failed on an input or solver error."""
    return E.error_envelope(command, err)


# --------------------------------------------------------------------------- runs

def run_parts(res) -> tuple[Names, Horizon, list[View]]:
    """Names, horizon and views of a solved :class:`borderflow.api.Result`."""
    names = Names.from_tables(res.dataset)
    horizon = Horizon.from_summary(res.summary, res.metadata.get("scenario"))
    views = run_views(res.summary, res.tables["crossings"], horizon, res.comparison, names)
    return names, horizon, views


def run_envelope(command: str, res, out: Path, views: list[View], horizon: Horizon,
                 extra=(), **summary) -> dict:
    """``solve`` / ``reroute --json``: the run's summary with its net value and costs, the
    story, the views, the run folder and the verification (exit 8 if it failed)."""
    from borderflow.verify import REPORT_TABLE

    nv = net_value(res.summary)
    info = E.verification_info(res.verification, out / f"{REPORT_TABLE}.csv")
    return E.envelope(command, exit_code=0 if info["passed"] else 8,
                      summary={**res.summary, "net_value_usd": nv.net_value_usd,
                               "cost_usd": nv.cost_usd, **summary},
                      narrative=res.story, tables=tables(views), horizon=horizon,
                      outputs=[("run_folder", out), *extra], verification=info)


# --------------------------------------------------------------------------- robust plans

def robust_parts(result, dataset) -> tuple[list[View], list[str]]:
    """Views and story of a :class:`borderflow.robust.RobustResult`."""
    s = result.summary
    views = robust_views(result.scenarios, result.plan_crossings, s, dataset.crossings)
    value = float(s["value_of_robust_plan_usd"])
    story = [(f"planning for the closures is worth {fmt_money(value, per='per day')} in "
              "expected net value over the plan that assumed nothing closes")
             if value >= 0.5 else ("planning for the closures gains nothing in expectation: "
                                   "the plan that assumed nothing closes is already the "
                                   "cheapest"),
             (f"bookings: {fmt(s['booked_t_per_day_robust'], 't/day')} in the robust plan, "
              f"{fmt(s['booked_t_per_day_baseline'], 't/day')} in the baseline plan")]
    if s.get("optimality"):  # every route priced in every scenario, or why not
        story.append(f"the robust plan is {s['optimality']}"
                     + (f" ({s['pricing']['reason']})" if s["pricing"].get("reason") else ""))
    return views, story


def robust_envelope(result, out: Path, views: list[View], story: list[str]) -> dict:
    """``robust --json``."""
    return E.envelope("robust", summary=result.summary, narrative=story,
                      tables=tables(views), outputs=[("robust_folder", out)])


# --------------------------------------------------------------------------- sweeps

def sweep_parts(result, plan, top: int) -> list[View]:
    """The views of a sweep's tables."""
    return sweep_views(result.tables, top, Names.from_tables(plan.tables))


def nk_sentence(plan, tables: dict) -> str:
    """What an N-k sweep solved, in a sentence (the guided search: what its bounds saved)."""
    from borderflow.sweeps.nk import search_stats

    st = search_stats(plan, tables)
    head = (f"N-{st['k']}: {st['combinations']:,} sets of {st['k']} of {st['crossings']} "
            f"crossings")
    if st["worst"] is None:
        return f"{head}, every one solved (with {st['single_closures']} single closures)"
    solves = st["single_closures"] + st["solved_by_search"] + st["confirmed"]
    return (f"{head}; the {st['worst']} costliest found with {solves:,} solves "
            f"({st['single_closures']} single closures, {st['solved_by_search']:,} sets in "
            f"{st['rounds']} round(s), {st['confirmed']} winner(s) known by their bounds "
            f"confirmed) instead of {st['combinations'] + st['single_closures']:,}: "
            f"{st['exact_by_bound']:,} sets known by their bounds, {st['pruned']:,} ruled out "
            "by them (docs/n-k.md)")


def sweep_envelope(result, out: Path, views: list[View], seconds: float) -> dict:
    """``sweep --json``: counts, every view (the full tables are in the sweep folder), failed
    scenarios as warnings (they do not stop the sweep)."""
    comp = result.tables["comparison"]
    failed = comp[comp["status"] != "optimal"]
    msgs = [E.message("warning", f"{r.scenario}: {r.status} {r.message}".strip())
            for r in failed.itertuples(index=False)]
    notes = [n for v in views for n in v.notes]
    summary = {"solved": result.solved, "failed": result.failed, "skipped": result.skipped,
               "models_built": result.models_built, "seconds": seconds}
    if result.plan is not None and result.plan.nk is not None:  # an N-k sweep: its search
        from borderflow.sweeps.nk import search_stats

        summary["nk"] = search_stats(result.plan, result.tables)
        notes = [nk_sentence(result.plan, result.tables), *notes]
    bands = getattr(result, "bands", None)
    if bands is not None:  # sweep --samples
        summary["bands"] = {**bands.metadata, "seconds_per_sample": bands.seconds_per_sample,
                            "chunks_kept": bands.chunks_kept}
        notes = [*notes, *bands.text()]
    return E.envelope("sweep", summary=summary,
                      narrative=notes, tables=tables(views), messages=msgs,
                      outputs=[("sweep_folder", out)])


# --------------------------------------------------------------------------- verification

def verify_parts(run_dir: Path, report: pd.DataFrame, show: int):
    """``verify``: (envelope, views, (solution checks, file checks)); the envelope's exit code
    is 8 if any check failed."""
    from borderflow.verify import by_check, coverage

    solution, files = split_report(report)
    views = verification_views(report, by_check(report), show)
    info = E.verification_info(report, None)
    summary = {"run": str(run_dir), "verified": info["passed"], "checks": info["checks"],
               "violations": info["violations"],
               "file_checks": info.get("file_checks", 0),
               "file_violations": info.get("file_violations", 0)}
    env = E.envelope("verify", exit_code=0 if info["passed"] else 8, summary=summary,
                     tables={**tables(views), "coverage": E.table(
                         pd.DataFrame(coverage(run_dir),
                                      columns=["table", "column", "coverage", "files"]),
                         title="how each result column is verified: re-derived from the "
                               "inputs, or covered by the checksum manifest only")},
                     verification=info)
    return env, views, (solution, files)


# --------------------------------------------------------------------------- the dataset

def dataset_parts(summary: dict) -> list[View]:
    """``data check``'s views."""
    return dataset_views(summary)


def dataset_envelope(summary: dict, views: list[View], warnings: list[str]) -> dict:
    """``data check --json``: the counts, one table per section, warnings as messages."""
    return E.envelope("data check", summary=summary, tables=tables(views),
                      messages=[E.message("warning", w) for w in warnings],
                      narrative=[f"dataset OK ({len(warnings)} warning(s))"])


def check_list_args(kind: str, country: str | None) -> None:
    """``data list``'s kind is one of :data:`LIST_KINDS` and ``--country`` a two-letter code.

    Raises
    ------
    InputError
        Naming the argument or option.
    """
    from borderflow.data.errors import InputError, Problem

    if kind not in LIST_KINDS:
        raise InputError(Problem("command line", None, "KIND",
                                 f"'{kind}' is not a list; choose {', '.join(LIST_KINDS)}"))
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise InputError(Problem("command line", None, "--country",
                                 f"'{country}' is not a two-letter country code (e.g. VN)"))


def list_envelope(kind: str, country: str | None, view: View) -> dict:
    """``data list --json``."""
    return E.envelope("data list", summary={"kind": kind, "country": country,
                                            "count": len(view.rows)},
                      tables={view.name: view.table()})


# --------------------------------------------------------------------------- report

def write_report(run_dir: Path, out: Path, baseline: Path | None, pdf: bool,
                 progress) -> list[Path]:
    """Write the run report (HTML, or PDF for a ``.pdf`` name; both with ``pdf``).

    Raises
    ------
    InputError
        If a PDF is asked for and WeasyPrint (the ``pdf`` extra) is missing, or the folders
        are not run folders.
    """
    from borderflow.data.errors import InputError, Problem
    from borderflow.present.report import write_report as html
    from borderflow.present.report import write_report_pdf

    progress("report", None, None, f"writing the report of {run_dir}")
    written = []
    try:
        if out.suffix.lower() == ".pdf":
            return [write_report_pdf(run_dir, out, baseline)]
        written.append(html(run_dir, out, baseline))
        if pdf:
            progress("report", None, None, "printing the PDF")
            written.append(write_report_pdf(run_dir, out.with_suffix(".pdf"), baseline))
    except RuntimeError as err:  # WeasyPrint or Pango missing
        raise InputError(Problem("command line", None, "--pdf", str(err))) from None
    return written


__all__ = ["LIST_KINDS", "check_list_args", "dataset_envelope", "dataset_parts", "failure",
           "list_envelope", "list_view", "robust_envelope", "robust_parts", "run_envelope",
           "run_parts", "sweep_envelope", "sweep_parts", "verify_parts", "write_report"]
