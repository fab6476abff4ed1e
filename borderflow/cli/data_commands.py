"""The ``borderflow data`` group: ``data check`` (validate and summarise the dataset, its
ranges and investments), ``data list`` (the ids a command line or scenario file names) and
``data map`` (draw the network)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import display
from .common import DataOpt, JsonOpt, OverlayOpt, _load, _outputs, _working, data_app


@data_app.command("check")
def data_check(data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
               as_json: bool = JsonOpt) -> None:
    """Validate the dataset and summarise it (counts, published vs estimated numbers)."""
    with _working("data check", as_json) as progress:
        from borderflow.data.checks import validate_tables
        from borderflow.data.loaders import read_tables
        from borderflow.data.summary import dataset_summary

        progress("load", None, None, "reading and checking the dataset")
        tables = read_tables(data, overlay or ())
        report = validate_tables(tables)
        report.raise_for_errors()
        ranges_line = _check_ranges(tables, data)
    from borderflow.cli import outputs

    summary = dataset_summary(tables)
    views = outputs.dataset_parts(summary)
    warnings = [str(w) for w in report.warnings]
    if as_json:
        display.emit_json(outputs.dataset_envelope(summary, views, warnings))
        return
    display.print_views(views)
    for w in warnings:
        display.warn(w)
    display.say(ranges_line)
    display.say(f"dataset OK ({len(warnings)} warning(s))")


def _check_ranges(tables, data: Optional[Path]) -> str:
    """``investments.csv`` and ``ranges.csv`` of the dataset checked (low <= value <= high,
    units, keys and fields: file, row and field of every problem, exit 2); one line saying
    how many ranges there are and how a run uses them."""
    from borderflow.appraisal.investments import ranged_investments, read_investments
    from borderflow.data.errors import InputError
    from borderflow.data.loaders import default_data_dir
    from borderflow.uncertainty.ranges import check_ranges

    folder = data if data is not None else default_data_dir()
    projects, frame = read_investments(folder, tables)
    extra = {"investments": ranged_investments(frame)} if projects else None
    problems, line = check_ranges(tables, folder, extra)
    if problems:
        raise InputError(problems)
    from borderflow.appraisal.closures import expected_days, read_closure_model

    events = read_closure_model(folder, set(tables.crossings["crossing_id"]))
    days = expected_days(events)["days_per_year"].sum() if len(events) else 0.0
    return line + (f"; {len(projects)} investment(s)" if projects else "") + (
        f"; {len(events)} closure event type(s), {days:.1f} expected closed days a year in "
        "an ordinary year" if len(events) else "")


@data_app.command("list")
def data_list(
    kind: str = typer.Argument(..., metavar="KIND",
                               help="crossings, products, places or groups (closure "
                                    "groups built from the dataset)."),
    country: Optional[str] = typer.Option(None, "--country",
                                          help="Only those of this country (ISO code, e.g. "
                                               "VN): crossings on its border, products it "
                                               "supplies, places in it."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """List the ids and names of the dataset's crossings, products, places or closure groups
    (what --close, --must-deliver and scenario files name)."""
    with _working("data list", as_json) as progress:
        from borderflow.cli import outputs

        outputs.check_list_args(kind, country)
        tables = _load(progress, data, overlay, check_borders=False)
        view = outputs.list_view(kind, tables, country)
    if as_json:
        display.emit_json(outputs.list_envelope(kind, country, view))
        return
    display.print_view(view)
    if view.empty:
        display.say(f"no {kind} for country {country}")


@data_app.command("map")
def data_map(out: Path = typer.Option(Path("runs/network.png"), "--out", help="PNG to write."),
             data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
             as_json: bool = JsonOpt) -> None:
    """Draw the dataset's network: links by mode, crossings by status, labelled, over the
    borders."""
    with _working("data map", as_json) as progress:
        from borderflow.maps import network_map_png
        from borderflow.model.network import build_network

        net = build_network(_load(progress, data, overlay, check_borders=False))
        progress("map", None, None, "drawing the network")
        written = [network_map_png(net, out)]
    _outputs("data map", as_json, [("png", p) for p in written])
