"""Commands that read a run folder: ``borderflow verify`` (re-check it independently),
``borderflow export`` (GIS layers), ``borderflow map`` (PNG and HTML maps) and
``borderflow report`` (one file an analyst can send).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import display
from .common import JsonOpt, _outputs, _working, app


RunDirArg = typer.Argument(..., metavar="RUN", help="Run folder (written by solve or reroute; "
                                                    "verify also takes a sweep folder).")
RunDataOpt = typer.Option(None, "--data", metavar="DIR",
                          help="Dataset of the run (default: from its run.json).")
RunOverlayOpt = typer.Option(None, "--overlay", metavar="DIR",
                             help="Overlays of the run's dataset, with "
                                                     "--data (default: from its run.json; "
                                                     "repeatable).")


@app.command("verify")
def verify_cmd(
    run_dir: Path = RunDirArg, data: Optional[Path] = RunDataOpt,
    overlay: Optional[list[Path]] = RunOverlayOpt, as_json: bool = JsonOpt,
    show: int = typer.Option(20, "--show", min=0, help="Violations to list (largest first)."),
) -> None:
    """Re-check a run's solution from its result tables alone; exit 8 if any check fails.

    A sweep folder is verified scenario by scenario (every scenario that ended optimal, its
    `routing` label included: a certified one by the certificate's own search).

    The code is independent of the model: conservation, supply, demand, capacity, closures,
    licences, shelf life, queues, duals, objective, every derived table; the folder's files
    against the checksum manifest written with it (CSV against parquet too) and the run's input
    files against the checksums it recorded. `--json` says for each column whether it is
    re-derived or covered by the checksums (table `coverage`). Exit 0 if every check passes, 8
    if any fails."""
    with _working("verify", as_json) as progress:
        from borderflow.verify import verify_run

        progress("verify", None, None, f"checking {run_dir} independently")
        report = verify_run(run_dir, data, overlay or ())
    from borderflow.cli import outputs
    from borderflow.verify import EXIT_VIOLATIONS

    env, views, (solution, files) = outputs.verify_parts(run_dir, report, show)
    if as_json:
        display.emit_json(env)
    else:
        display.print_views(views)
        display.verify_verdict(solution, files)
    if env["exit_code"]:
        raise typer.Exit(EXIT_VIOLATIONS)


@app.command("export")
def export_cmd(
    run_dir: Path = RunDirArg,
    fmt: str = typer.Option("gpkg", "--format", help="gpkg, geoparquet, geojson or shp."),
    out: Optional[Path] = typer.Option(None, "--out", help="GeoPackage file, or folder for the "
                                                          "other formats (default: inside the "
                                                          "run folder)."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline run folder: "
                                                                     "adds deltas."),
    data: Optional[Path] = RunDataOpt, overlay: Optional[list[Path]] = RunOverlayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Export a run's (or a sweep's) optimal flows as GIS layers, with a data dictionary.

    Layers: nodes, links, crossings, routes, origins, markets (and crossings_daily, one point
    per crossing and day, for a dated run). A sweep folder gives one layer set with a scenario
    column (every scenario solved to optimality) and base/delta fields against each
    scenario's baseline."""
    with _working("export", as_json) as progress:
        from borderflow.data.errors import InputError, Problem
        from borderflow.gis import FORMATS, export_folder

        if fmt not in FORMATS:
            raise InputError(Problem("command line", None, "--format",
                                     f"unknown format '{fmt}'; choose {', '.join(FORMATS)}"))
        written = export_folder(run_dir, out, fmt, baseline=baseline, data=data,
                                overlays=overlay or (), on_progress=progress)
    _outputs("export", as_json, [(fmt, p) for p in written], run=str(run_dir), format=fmt)


@app.command("map")
def map_cmd(
    run_dir: Path = RunDirArg,
    out: Optional[Path] = typer.Option(None, "--out", help="Static map (PNG) to write "
                                                          "(default: RUN/map.png)."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Interactive map (HTML, "
                                                                 "self-contained) to write."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline run folder: "
                                                                     "show what moved."),
    uncertainty: Optional[Path] = typer.Option(
        None, "--uncertainty", metavar="FOLDER",
        help="A borderflow uncertainty folder: its headline tornado chart goes in the HTML "
             "map, in the popup of the crossings its scenario closes (else the legend)."),
    data: Optional[Path] = RunDataOpt, overlay: Optional[list[Path]] = RunOverlayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Draw a run's optimal flows: a PNG for reports and/or an interactive HTML map."""
    if out is None and html_out is None:
        out = run_dir / "map.png"
    with _working("map", as_json) as progress:
        from borderflow.api import read_result

        if uncertainty is not None:
            from borderflow.data.errors import InputError, Problem
            from borderflow.uncertainty.map_chart import headline_chart

            if html_out is None:
                raise InputError(Problem("command line", None, "--uncertainty", "the tornado "
                                         "chart goes in the HTML map: give --html FILE"))
            headline_chart(uncertainty)  # refused before anything is read or drawn
        progress("read", None, None, f"reading {run_dir}")
        res = read_result(run_dir, data, overlay or ())
        base = read_result(baseline) if baseline is not None else None
        progress("map", None, None, "drawing the map")
        written = res.map(png=out, html=html_out, baseline=base, uncertainty=uncertainty)
    _outputs("map", as_json, [("png" if p.suffix == ".png" else "html", p) for p in written],
             run=str(run_dir))


@app.command("report")
def report_cmd(
    run_dir: Path = RunDirArg,
    out: Path = typer.Option(..., "--out", help="Report to write: .html (self-contained), or "
                                                ".pdf (needs the 'pdf' extra: WeasyPrint)."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline run folder "
                                                                     "(default: the run's own "
                                                                     "comparison, if any)."),
    pdf: bool = typer.Option(False, "--pdf", metavar="", help="Also write a PDF beside the HTML "
                                                  "(OUT with .pdf; needs WeasyPrint)."),
    as_json: bool = JsonOpt,
) -> None:
    """Write a run report an analyst can send: summary, story, map, charts, tables,
    verification and the data's provenance, in one file that opens offline."""
    with _working("report", as_json) as progress:
        from borderflow.cli import outputs

        written = outputs.write_report(run_dir, out, baseline, pdf, progress)
    _outputs("report", as_json, [(p.suffix.lstrip("."), p) for p in written], run=str(run_dir))
