"""``borderflow reopening``: an uncertain reopening solved as a multi-stage stochastic plan
(:func:`borderflow.reopening_plan`), re-checked and written like a robust plan."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import display
from .common import (DataOpt, JsonOpt, OverlayOpt, ThreadsOpt, TimeLimitOpt, _claim, _inputs,
                     _load, _run_options, _scenario, _working, app)


def _lines(result) -> list[str]:
    """The plan in sentences: expected objective, bounds, comparison, one line per branch."""
    def fmt_money(x: float) -> str:
        return f"{x:,.0f} USD"

    s = result.summary
    out = [f"tree plan over {s['branches']} branches: expected objective "
           f"{fmt_money(s['expected_objective_usd'])} ({s['optimality']})",
           f"wait-and-see over the run's routes (perfect foresight per branch): "
           f"{fmt_money(s['wait_and_see_objective_usd'])}; expected value of perfect "
           f"information {fmt_money(s['evpi_usd'])}"]
    if s.get("gap_bound_usd") is None:
        out.append("no gap bound over every route")
    else:
        out.append(f"wait-and-see over every route (certified foresight per branch): "
                   f"{fmt_money(s['wait_and_see_all_routes_usd'])}; gap bound "
                   f"{fmt_money(s['gap_bound_usd'])}")
    if "vss_usd" in s:
        out.append(f"planning on the expected reopening day (same information): "
                   f"{fmt_money(s['expectation_policy_objective_usd'])}; value of the "
                   f"stochastic solution {fmt_money(s['vss_usd'])}; realistic dispatch as "
                   f"the scenario is written: {fmt_money(s['realistic_objective_usd'])}")
    for row in result.branches.itertuples():
        out.append(f"{row.branch} (p = {row.probability:g}): tree "
                   f"{fmt_money(row.tree_objective_usd)}, foresight "
                   f"{fmt_money(row.foresight_objective_usd)}, spoiled "
                   f"{row.tree_spoiled_t:,.0f} t")
    return out


@app.command("reopening")
def reopening_cmd(
    scenario_file: Path = typer.Option(..., "--scenario", metavar="FILE",
                                       help="Dated scenario YAML with a closure's "
                                            "reopening_odds."),
    out: Path = typer.Option(Path("runs/reopening"), "--out", help="Folder to write."),
    compare: bool = typer.Option(True, "--compare/--no-compare",
                                 help="Also run the expectation policy branch by branch "
                                      "(the value of the stochastic solution)."),
    bound: bool = typer.Option(True, "--bound/--no-bound",
                               help="Also solve each branch with perfect foresight over every "
                                    "route (certified) for the tree's gap bound."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    threads: int = ThreadsOpt, time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
) -> None:
    """Plan the dispatch over an uncertain reopening: one dated model per branch of the
    closure's reopening_odds, the same decisions on the days the branches cannot yet be told
    apart, the expected objective minimised (extensive form, HiGHS). Compared with perfect
    foresight per branch (wait-and-see; over every route it bounds the gap of the tree's
    restricted route set) and with planning on the expected reopening day.
    Re-checked independently before it is written (verification.csv; exit 8 if a check
    fails); `borderflow verify` re-checks the folder.
    """
    with _working("reopening", as_json) as progress:
        from borderflow.reopening import reopening_branches
        from borderflow.reopening_plan import check_tree, reopening_plan

        tables = _load(progress, data, overlay)
        scenario = _scenario(tables, scenario_file, [], None)
        check_tree(scenario)
        reopening_branches(scenario)  # no reopening_odds: refused before --out is claimed
        options = _run_options(threads, time_limit)
        with _claim(out, _inputs(data, overlay, ("--scenario", scenario_file)),
                    "reopening") as target:
            result = reopening_plan(tables, scenario, options, on_progress=progress,
                                    compare=compare, bound=bound)
            progress("verify", None, None, "re-checking the plan independently")
            result.verify(tables)
            progress("write", None, None, f"writing {out}")
            result.write(target)
    from borderflow.present import envelope as E
    from borderflow.verify import EXIT_VIOLATIONS, REPORT_TABLE

    lines = _lines(result)
    passed = bool(result.verification["ok"].astype(bool).all())
    if as_json:
        display.emit_json(E.envelope("reopening", summary=result.summary, narrative=lines,
                                     outputs=[("reopening_folder", out)]))
    else:
        display.story(lines)
        display.say(f"results written to {out}")
        display.verification_outcome(result.verification, out / (REPORT_TABLE + ".csv"))
    if not passed:
        raise typer.Exit(EXIT_VIOLATIONS)
