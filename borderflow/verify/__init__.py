"""Independent verification of a solved run, from its result tables alone.

The verifier re-checks a solution with code that shares nothing with the model's formulation
(:mod:`borderflow.model.formulation`, ``terms``, ``queues``): it reads the result tables of a run
and the input tables and scenario recorded in its ``run.json``, recomputes every fact it needs
from them (arc ends, travel hours, costs, shelf lives, licences, prices, demand) and uses only
the network's calendar (:func:`borderflow.model.network.build_network`) for the capacity, supply
and priority of each period. Each check gives one row per entity (:mod:`.report`).

Modules, one job each (each lists its checks and what must hold):

- :mod:`.facts`: what the inputs say, recomputed (arcs, products, licences, prices, calendar);
- :mod:`.routes`: each route rebuilt from its arcs; durations, costs, labels, licences;
- :mod:`.flows`: supply, the flows table against the routes, node balance, demand;
- :mod:`.crossings`: capacity, closures, priority lanes, the crossings table and its duals
- :mod:`.levers`: slot quotas and dispatch holds (response levers)
  (dual feasibility and complementary slackness);
- :mod:`.origin_stock`: dated runs' stock at origins under a hold (balance, held days, shelf
  life);
- :mod:`.queues`: dated runs' queues: balances, FIFO ages and expiry, the per-gate tables,
  initial queues, dates, backlog;
- :mod:`.money`: objective, summary totals, solver status, products, unserved and spoilage;
- :mod:`.congestion`: the congestion tiers of a static run (link, tier, order and cost);
- :mod:`.terms`: the generalized cost's terms (tolls, factors, transit fees, value of time)
  and the destination shares (issue 18);
- :mod:`.folder`: a run folder as written: manifest and marker, CSV against parquet, input
  checksums, and which check covers each column (:func:`coverage`);
- :mod:`.report`: rows, tolerances, summaries.
- :mod:`.inputs`: the run's dataset, read and checked once per content of its files in a
  process (many folders of one dataset verified in one process read it once);

- :mod:`.dispatch`: a realistic dispatch run: the foresight bound, the value of foresight,
  announcements in time and a re-plan on every day news arrived (issue 18);
- :mod:`.robust`: a robust plan's folder (kind ``robust``): each scenario's feasibility, the
  expected cost and the two-stage certificate (:mod:`borderflow.certificate_robust`);
- :mod:`.optimality`: the certificate of optimality over every route (issue 17), re-checked by
  :mod:`borderflow.certificate` (route, unserved and sign checks of the duals, duality gap;
  a restricted run's gap bound).

More checks can be registered in :data:`FOLDER_CHECKS` (a run folder) or
:data:`RESULT_CHECKS` (a solution): each entry is a function returning report rows.

Tolerance: ``max(1e-6, 1e-6 x scale)`` in the check's unit, where ``scale`` is the size of the
quantity checked (capacity, supply, objective, ...). A violation names the check (the
constraint), the entity and the amount by which it is violated. A check that cannot run (a
table missing a column, say) is itself a failed row (``verifier``), never a traceback; one that
stopped on a table the folder lacks names it (:mod:`.absent`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario

from . import (congestion, crossings, dispatch, flows, folder, levers, money, optimality,
               origin_stock, queues, routes, terms)
from .absent import absent_tables, not_checked
from .facts import Facts, input_facts
from .inputs import read_inputs
from .folder import REDERIVED, coverage
from .report import (
    ABS_TOL,
    EXIT_VIOLATIONS,
    REL_TOL,
    REPORT_COLUMNS,
    REPORT_TABLE,
    assemble,
    by_check,
    rows,
    verification_summary,
    violations,
)

__all__ = ["ABS_TOL", "EXIT_VIOLATIONS", "FOLDER_CHECKS", "REDERIVED", "REL_TOL",
           "REPORT_COLUMNS", "REPORT_TABLE", "RESULT_CHECKS", "Facts", "by_check", "coverage",
           "input_facts", "verification_summary", "verify_results", "verify_run",
           "verify_solved", "verify_sweep", "violations"]

#: more checks of a solution: ``check(results, facts) -> list of report rows``
RESULT_CHECKS: list[Callable] = []
#: more checks of a run folder: ``check(folder, results, meta, tables) -> list of report rows``
FOLDER_CHECKS: list[Callable] = []


def _failed(name: str, err: Exception, absent: dict | None = None) -> pd.DataFrame:
    """The row of a check that could not run: a failure, not a pass; it names the tables the
    folder lacks when the check stopped on them (:func:`.absent.not_checked`)."""
    return not_checked(name, err, "checked", absent)


def verify_results(results, tables: InputTables, scenario: Scenario | None = None,
                   net=None) -> pd.DataFrame:
    """Check a solution's result tables against the inputs and scenario it was solved on.

    Parameters
    ----------
    results : ResultTables
        The run's tables and summary (in memory, or read back from a run folder).
    tables : InputTables
        The input tables of the run.
    scenario : Scenario, optional
        The run's scenario (default: the baseline).
    net : FreightNetwork, optional
        The scenario's network, if already built (only its calendar is used).

    Returns
    -------
    DataFrame
        One row per check and entity: ``check, entity, amount, unit, tolerance, ok``, sorted.
    """
    scenario = scenario or Scenario()
    f = input_facts(tables, scenario, net)
    parts: list[pd.DataFrame] = []
    done: dict = {}

    # tables the run folder lacks (:func:`.folder.read_tables`' stand-ins): named by the checks
    # that stop on them
    absent = absent_tables(results.tables()) if hasattr(results, "tables") else {}

    def run(name: str, check: Callable[[], list[pd.DataFrame]]) -> None:
        try:
            parts.extend(check())
        except Exception as err:  # noqa: BLE001 - a check that cannot run fails, visibly
            parts.append(_failed(name, err, absent))

    def paths() -> list[pd.DataFrame]:
        done["paths"], found = routes.route_paths(results, f)
        return found

    def cargo() -> list[pd.DataFrame]:
        done["cargo"], done["entries"] = flows.cargo_of(results, f, done["paths"])
        return []

    run("routes", paths)
    run("non-negative amounts", lambda: [money.non_negative(results)])
    run("route tables", lambda: routes.route_checks(results, f, done["paths"])
        + routes.route_table_checks(results, f, done["paths"]))
    run("cargo", cargo)
    run("flows", lambda: flows.flow_checks(results, f, done["paths"], done["cargo"],
                                           done["entries"]))
    run("flows table", lambda: flows.flows_table_checks(results, f))
    run("crossings", lambda: crossings.crossing_checks(results, f))
    run("levers", lambda: levers.lever_checks(results, f))
    if f.dated:
        run("queues", lambda: queues.queue_checks(results, f, done["paths"]))
        run("backlog", lambda: queues.backlog_checks(results, f))
        run("origin stock", lambda: origin_stock.stock_checks(results, f,
                                                              done["paths"].routes))
    run("dates", lambda: queues.date_checks(results, f))
    run("money", lambda: money.money_checks(results, f, done["paths"], done["cargo"]))
    run("congestion", lambda: congestion.congestion_checks(results, f, tables))
    run("tables of totals", lambda: money.table_checks(results, f))
    run("solver status", lambda: money.status_checks(results))
    run("destination shares", lambda: [terms.destination_share_checks(results, tables,
                                                                       f.dated)])
    run("optimality certificate", lambda: optimality.certificate_checks(results, f))
    run("realistic dispatch", lambda: dispatch.dispatch_checks(results, f))
    run("dispatch rule", lambda: dispatch.dispatch_rule_checks(results, f))
    run("keep coming", lambda: dispatch.keep_coming_checks(results, f))
    run("unwarned transit", lambda: dispatch.unwarned_checks(results, f))
    run("ramp-ups", lambda: dispatch.ramp_checks(f, tables))
    for check in RESULT_CHECKS:
        run(getattr(check, "__name__", "check"), lambda c=check: c(results, f))
    return assemble(parts)


#: what to verify instead, per folder kind that is not a run (:data:`borderflow.runfolder.KINDS`;
#: a sweep folder is verified scenario by scenario, :func:`verify_sweep`)
NOT_A_RUN = {
    "respond": lambda d: "its best set and doing nothing were re-solved and verified when "
                         "respond ran (respond.json); solve the chosen levers as a scenario to "
                         "verify a run folder",
    "uncertainty": lambda d: "its samples are warm re-solves of one kept model; verify the "
                             "point's run (borderflow solve with the same scenario)",
    "calibration": lambda d: "it holds a fitted overlay; verify a run solved with it "
                             "(borderflow solve --overlay)",
    "old robust plan": lambda d: "it was written by an older borderflow, before robust "
                                 "plans kept what the verifier needs; re-run `borderflow "
                                 "robust` to get a plan that can be verified",
}


def verify_run(run_dir: Path | str, data: Path | str | None = None,
               overlays=()) -> pd.DataFrame:
    """Verify a run folder: its files as written, and its result tables against the inputs
    named in its ``run.json``.

    Parameters
    ----------
    run_dir : path
        Folder written by ``borderflow solve`` or ``reroute`` (a sweep's is verified scenario
        by scenario, :func:`verify_sweep`; a robust plan's by
        :func:`borderflow.verify.robust.verify_plan_folder`).
    data : path, optional
        Dataset folder (default: the inputs named in ``run.json``); ``overlays`` with it.

    Returns
    -------
    DataFrame
        The report of :func:`verify_results`, plus the folder's rows (:mod:`.folder`:
        ``manifest``, ``tables``, ``csv_parquet``, ``input_checksum``). Missing or unreadable
        files are failed rows, not errors.

    Raises
    ------
    InputError
        If the folder is not a run folder at all, or its inputs cannot be found.
    """
    from borderflow.io import scenario_of
    from borderflow.runfolder import MARKER, old_robust, read_marker

    run_dir = Path(run_dir)
    if not run_dir.is_dir() or not any((run_dir / n).exists() for n in
                                       (MARKER, "summary.json", "run.json")):
        raise InputError(Problem(display_path(run_dir), None, None, "not a run folder (no "
                                 "summary.json, run.json or marker)"))
    kind = (read_marker(run_dir) or {}).get("kind", "run")
    if kind == "sweep":
        return verify_sweep(run_dir, data, overlays)
    if kind == "robust":
        from .robust import verify_plan_folder
        return verify_plan_folder(run_dir, data, overlays)
    if kind == "reopening":
        from .reopening import verify_tree_folder
        return verify_tree_folder(run_dir, data, overlays)
    if kind == "run" and old_robust(run_dir):
        kind = "old robust plan"  # `borderflow robust` before issue 17 marked its folder a run
    if kind != "run":
        article = "an" if kind[0] in "aeiou" else "a"
        raise InputError(Problem(display_path(run_dir), None, None, f"is {article} {kind} "
                                 "folder, not a run folder: " + NOT_A_RUN[kind](run_dir)))
    parts = folder.manifest_checks(run_dir)
    results, found = folder.read_tables(run_dir)
    parts += found + folder.csv_checks(run_dir, results.tables())
    meta, found = folder.read_metadata_row(run_dir)
    parts += found
    if meta is None and data is None:
        return assemble(parts)
    meta = meta or {}
    tables = read_inputs(run_dir, meta, data, overlays)
    try:
        scenario = scenario_of(meta)
    except ValueError as err:  # pydantic's ValidationError: run.json's scenario edited
        parts.append(_failed("the scenario in run.json", err))
        return assemble(parts)
    parts.append(verify_results(results, tables, scenario))
    parts += folder.input_checks(run_dir, meta)
    for check in FOLDER_CHECKS:
        try:
            parts += check(run_dir, results, meta, tables)
        except Exception as err:  # noqa: BLE001 - as in verify_results
            parts.append(_failed(getattr(check, "__name__", "check"), err))
    return assemble(parts)


def verify_sweep(sweep_dir: Path | str, data: Path | str | None = None,
                 overlays=()) -> pd.DataFrame:
    """Verify a sweep folder: every scenario folder that ended optimal, as :func:`verify_run`
    verifies a run folder (its solution, its ``routing`` label -- a ``certified`` one by the
    certificate's own search, a ``restricted`` one's gap bound -- its files and inputs).

    Scenarios that ended otherwise (infeasible, a time limit: ``comparison.csv`` says so)
    claim no solution and get no row. Each row's entity starts with ``scenario=<name>: ``.

    Returns
    -------
    DataFrame
        The scenarios' reports together (:data:`REPORT_COLUMNS`); a sweep with no solved
        scenario gives one failed ``verifier`` row (nothing was verified).

    Raises
    ------
    InputError
        If the folder is not a sweep folder (no ``plan.json`` and ``scenarios/``).
    """
    from borderflow.sweeps.partitions import solved_partitions

    sweep_dir = Path(sweep_dir)
    found = solved_partitions(sweep_dir)
    if found is None:
        raise InputError(Problem(display_path(sweep_dir), None, None, "not a sweep folder (no "
                                 "plan.json and scenarios/)"))
    parts = []
    for name, scenario_dir in sorted(found.items()):
        report = verify_run(scenario_dir, data, overlays)
        report["entity"] = f"scenario={name}: " + report["entity"].astype(str)
        parts.append(report)
    if not parts:
        parts.append(rows("verifier", f"{display_path(sweep_dir)}: no scenario ended optimal, "
                          "nothing to verify", 1.0, "scenarios"))
    return assemble(parts)


def verify_solved(run) -> pd.DataFrame:
    """Verify a run just solved (in memory) and record the outcome in its summary.

    Adds ``verified`` (all checks pass), ``verification_checks`` (rows of the report),
    ``verification_violations`` and ``verify_seconds`` to ``run.results.summary``.

    Parameters
    ----------
    run : borderflow.pipeline.Run

    Returns
    -------
    DataFrame
        The report (to be written as ``verification.csv``).
    """
    t0 = time.perf_counter()
    report = verify_results(run.results, run.tables, run.net.scenario, net=run.net)
    run.results.summary.update(verification_summary(report))
    run.results.summary["verify_seconds"] = time.perf_counter() - t0
    return report
