"""A catalogue of realistic input mistakes, each run through the command line as a user would.

Every mistake must end with exit code 2, one message that names the file, the row (where there
is one) and the field, and nothing written: the ``--out`` folder is not created, and a previous
run already there is left byte for byte as it was.

The data is the tiny dataset (tests/tiny.py) with its crossings on the Vietnam–China border (so
the CLI's border check passes), or the embedded dataset where realism needs it (a misspelled
Boten–Mohan, a twenty-year horizon).

``ISSUE_15`` holds the inputs of the adversarial pass of issue 15 (numbers out of range, files
that are folders or FIFOs, YAML bombs, options that make no sense): each also has a time limit,
since "never hang" is part of the contract. The ``--out`` refusals, write failures and the lock
are in test_out_safety.py, the random edits in test_fuzz_inputs.py.

(Over 500 lines: a catalogue. Two thirds are the cases, data for the one parametrized test that
runs each as a user would; splitting them would only split the table.)
"""

from __future__ import annotations

import hashlib
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import tiny
from clitools import invoke
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.model.size import LIMIT_ENV, max_model_gb

from helpers import border_data


@dataclass
class Case:
    """A command line (without ``--out``) and what its one error message must contain (and
    must not: ``reject``); ``timeout_s``: longer is a hang."""

    args: list[str]
    expect: tuple[str, ...]
    env: dict[str, str] | None = None
    reject: tuple[str, ...] = ()
    timeout_s: float = 120.0


def _data(tmp: Path, edit: Callable[[dict[str, pd.DataFrame]], None] | None = None) -> Path:
    """The tiny dataset on the border, edited by ``edit`` (a function of the tables)."""
    t = tiny.base_tables()
    if edit is not None:
        edit(t)
    return border_data(tmp, "data", t)


def _set(table: str, row: int, col: str, value) -> Callable:
    """An edit that puts ``value`` in one cell."""
    return lambda t: t[table].loc.__setitem__((row, col), value)


def _solve_with(edit: Callable, *expect: str) -> Callable[[Path], Case]:
    """Case: ``solve --data`` on the tiny dataset after ``edit``."""
    return lambda tmp: Case(["solve", "--data", str(_data(tmp, edit))], expect)


def _dup_row(table: str, row: int = 0) -> Callable:
    """An edit that repeats a row at the end of a table (a copy-paste mistake)."""
    def edit(t):
        t[table] = pd.concat([t[table], t[table].iloc[[row]]], ignore_index=True)
    return edit


def _file_edit(fn: Callable[[Path], None], *expect: str) -> Callable[[Path], Case]:
    """Case: ``solve --data`` on the tiny dataset whose files ``fn(folder)`` then damages."""
    def case(tmp: Path) -> Case:
        folder = _data(tmp)
        fn(folder)
        return Case(["solve", "--data", str(folder)], expect)
    return case


def _yaml(text: str, *expect: str, data: str = "tiny", command: str = "solve",
          env: dict[str, str] | None = None, extra: tuple[str, ...] = (),
          reject: tuple[str, ...] = (), timeout_s: float = 120.0,
          dedent: bool = True) -> Callable:
    """Case: a scenario file (``solve --scenario`` or ``sweep``) on the tiny or embedded data;
    ``extra``: more options."""
    def case(tmp: Path) -> Case:
        path = tmp / "scenario.yaml"
        path.write_text(textwrap.dedent(text) if dedent else text, encoding="utf-8")
        folder = ["--data", str(_data(tmp))] if data == "tiny" else []
        if command == "sweep":
            return Case(["sweep", str(path), "--workers", "1", "--no-progress", *folder, *extra],
                        expect, env, reject, timeout_s)
        return Case(["solve", "--scenario", str(path), *folder, *extra], expect, env, reject,
                    timeout_s)
    return case


def _rewrite(name: str, old: str, new: str) -> Callable[[Path], None]:
    """Replace text in one CSV file of a dataset folder."""
    def fn(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (old, name)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return fn


def _no_path(t):
    # the Chinese links drawn one way, from the market to the gates: nothing reaches the market
    for i in (1, 3):
        row = t["links"].loc[i]
        t["links"].loc[i, ["from_node", "to_node", "bidirectional"]] = [row.to_node,
                                                                         row.from_node, "false"]
        t["links"].loc[i, "geometry_wkt"] = tiny._line(tiny.XY[row.to_node],
                                                       tiny.XY[row.from_node])


def _web_mercator(t):
    # Lạng Sơn-ish coordinates pasted in EPSG:3857 metres
    t["nodes"].loc[0, ["lon", "lat"]] = [11688546.5, 2391878.6]


def _swap_lat_lon(t):
    t["nodes"].loc[2, ["lon", "lat"]] = [t["nodes"].loc[2, "lat"], t["nodes"].loc[2, "lon"]]


def _latin1(folder: Path) -> None:
    path = folder / "nodes.csv"
    text = path.read_text(encoding="utf-8").replace("CN-M", "Hà Khau")
    path.write_bytes(text.encode("latin-1"))


def _overlay_unknown_table(tmp: Path) -> Case:
    overlay = tmp / "overlay"
    overlay.mkdir()
    # a new crossing saved as 'crossing.csv': it would be silently ignored
    tiny.base_tables()["crossings"].iloc[[0]].to_csv(overlay / "crossing.csv", index=False)
    return Case(["solve", "--data", str(_data(tmp)), "--overlay", str(overlay)],
                ("crossing.csv", "unknown table 'crossing'", "did you mean 'crossings'"))


def _overlay_provenance(tmp: Path) -> Case:
    overlay = tmp / "overlay"
    overlay.mkdir()
    pd.DataFrame([{"table": "crossing", "row_id": "x1", "field": "capacity_a_to_b_trucks_per_day",
                   **tiny.PROV}]).to_csv(overlay / "provenance.csv", index=False)
    return Case(["solve", "--data", str(_data(tmp)), "--overlay", str(overlay)],
                ("provenance.csv", "row 1", "field 'table'", "unknown table 'crossing'",
                 "did you mean 'crossings'"))


def _overlay_missing(tmp: Path) -> Case:
    return Case(["solve", "--data", str(_data(tmp)), "--overlay", str(tmp / "overlays")],
                ("overlays", "overlay folder does not exist"))


def _embedded_reroute(crossing: str, *expect: str) -> Callable[[Path], Case]:
    return lambda tmp: Case(["reroute", "--close", crossing], expect)


def _dup_in_overlay(tmp: Path) -> Case:
    overlay = tmp / "overlay"
    overlay.mkdir()
    t = tiny.base_tables()
    pd.concat([t["crossings"].iloc[[1]], t["crossings"].iloc[[1]]]).to_csv(
        overlay / "crossings.csv", index=False)
    return Case(["solve", "--data", str(_data(tmp)), "--overlay", str(overlay)],
                ("crossings.csv", "row 2 (x2)", "field 'crossing_id'", "duplicate id x2"))


EVIL = "!!python/object/apply:os.system ['touch {marker}']"

CASES: dict[str, Callable[[Path], Case]] = {
    # ---- ids and references ----------------------------------------------------------------
    "duplicate crossing id": _solve_with(
        _dup_row("crossings"), "crossings.csv", "row 3 (x1)", "field 'crossing_id'",
        "duplicate id x1 (first defined in row 1)"),
    "duplicate node id": _solve_with(
        _dup_row("nodes", 2), "nodes.csv", "row 7 (vn-a2)", "field 'node_id'", "duplicate id"),
    "duplicate product id": _solve_with(
        _dup_row("products"), "products.csv", "row 2 (durian)", "field 'product_id'",
        "duplicate id"),
    "duplicate crossing in an overlay": _dup_in_overlay,
    "link to a node that does not exist": _solve_with(
        _set("links", 1, "to_node", "cn-mm"), "links.csv", "row 2 (l2)", "field 'to_node'",
        "unknown node 'cn-mm' (did you mean 'cn-m'?)"),
    "crossing gate node unknown": _solve_with(
        _set("crossings", 0, "node_b", "cn-b9"), "crossings.csv", "row 1 (x1)",
        "field 'node_b'", "unknown node 'cn-b9'"),
    "unknown product in supply": _solve_with(
        _set("supply", 0, "product_id", "durain"), "supply.csv", "row 1", "field 'product_id'",
        "unknown product 'durain' (did you mean 'durian'?)"),
    "origin with no path to any market": _solve_with(
        _no_path, "supply.csv", "row 1", "field 'node_id'",
        "origin vn-o has no path to any market buying durian"),
    # ---- numbers ---------------------------------------------------------------------------
    "negative capacity": _solve_with(
        _set("crossings", 1, "capacity_b_to_a_trucks_per_day", -100), "crossings.csv",
        "row 2 (x2)", "field 'capacity_b_to_a_trucks_per_day'", "must be >= 0", "-100"),
    "empty capacity": _solve_with(
        _set("crossings", 0, "capacity_a_to_b_trucks_per_day", ""), "crossings.csv",
        "row 1 (x1)", "field 'capacity_a_to_b_trucks_per_day'", "a value is required"),
    "NaN capacity": _solve_with(
        _set("crossings", 0, "capacity_a_to_b_trucks_per_day", "NaN"), "crossings.csv",
        "row 1 (x1)", "field 'capacity_a_to_b_trucks_per_day'", "a value is required"),
    "negative link length": _solve_with(
        _set("links", 2, "length_km", -150), "links.csv", "row 3 (l3)", "field 'length_km'",
        "must be > 0"),
    "zero link length": _solve_with(
        _set("links", 0, "length_km", 0), "links.csv", "row 1 (l1)", "field 'length_km'",
        "must be > 0"),
    "link length in metres": _solve_with(
        _set("links", 0, "length_km", 62000), "links.csv", "row 1 (l1)", "field 'length_km'",
        "straight-line distance", "metres given instead of km?"),
    "travel time in minutes": _solve_with(
        _set("links", 0, "travel_h", 0.5), "links.csv", "row 1 (l1)", "field 'travel_h'",
        "minutes given?"),
    "zero shelf life": _solve_with(
        _set("products", 0, "shelf_life_reefer_days", 0), "products.csv", "row 1 (durian)",
        "field 'shelf_life_reefer_days'", "must be > 0"),
    "negative shelf life": _solve_with(
        _set("products", 0, "shelf_life_ambient_days", -1), "products.csv", "row 1 (durian)",
        "field 'shelf_life_ambient_days'", "must be > 0"),
    "negative supply": _solve_with(
        _set("supply", 0, "supply_t_per_year", -73000), "supply.csv", "row 1 (vn-o/durian)",
        "field 'supply_t_per_year'", "must be >= 0"),
    "market price not a number": _solve_with(
        _set("markets", 0, "price_usd_per_t", "1.000,50"), "markets.csv", "row 1 (cn-m/durian)",
        "field 'price_usd_per_t'", "expected a number, got '1.000,50'"),
    "seasonality shares do not sum to 1": _solve_with(
        _set("seasonality", 5, "share", 0.5), "seasonality.csv", "row 1", "field 'share'",
        "shares sum to"),
    # ---- categories ------------------------------------------------------------------------
    "crossing status not a status": _solve_with(
        _set("crossings", 0, "status", "opened"), "crossings.csv", "row 1 (x1)",
        "field 'status'", "must be one of", "'opened'"),
    "crossing mode not road or rail": _solve_with(
        _set("crossings", 1, "mode", "truck"), "crossings.csv", "row 2 (x2)", "field 'mode'",
        "must be one of", "'truck'"),
    "boolean 'maybe'": _solve_with(
        _set("links", 2, "bidirectional", "maybe"), "links.csv", "row 3 (l3)",
        "field 'bidirectional'", "expected true or false, got 'maybe'"),
    # ---- geography -------------------------------------------------------------------------
    "coordinates in Web Mercator metres": _solve_with(
        _web_mercator, "nodes.csv", "row 1 (vn-o)", "field 'lon'", "EPSG:3857",
        "expected degrees"),
    "lat and lon swapped": _solve_with(
        _swap_lat_lon, "nodes.csv", "row 3 (vn-a2)", "field 'lon'", "lat/lon swapped?"),
    "crossing joins a country to itself": _solve_with(
        _set("crossings", 0, "country_b", "VN"), "crossings.csv", "row 1 (x1)",
        "field 'country_b'", "two different countries"),
    "link geometry in projected metres": _solve_with(
        _set("links", 0, "geometry_wkt", "LINESTRING (11688546 2391878, 11744205 2426469)"),
        "links.csv", "row 1 (l1)", "field 'geometry_wkt'", "expected EPSG:4326 degrees"),
    # ---- files -----------------------------------------------------------------------------
    "empty file": _file_edit(lambda f: (f / "links.csv").write_bytes(b""),
                             "links.csv", "the file is empty"),
    "header only": _file_edit(
        lambda f: (f / "supply.csv").write_text((f / "supply.csv").read_text().splitlines()[0]
                                                + "\n"), "supply.csv", "header but no rows"),
    "required table missing": _file_edit(lambda f: (f / "markets.csv").unlink(),
                                         "markets.csv", "required table is missing"),
    "misspelled column": _file_edit(
        _rewrite("crossings.csv", "capacity_a_to_b_trucks_per_day", "capacity_a_b_trucks_per_day"),
        "crossings.csv", "field 'capacity_a_to_b_trucks_per_day'", "is missing",
        "did you mean 'capacity_a_to_b_trucks_per_day'?"),
    "column twice": _file_edit(
        _rewrite("products.csv", "value_usd_per_t", "payload_t_per_truck"), "products.csv",
        "field 'payload_t_per_truck'", "appears twice"),
    "latin-1 file": _file_edit(_latin1, "nodes.csv", "row 6", "field 'name'", "not UTF-8",
                               "save the file as UTF-8"),
    "unknown table in overlay": _overlay_unknown_table,
    "provenance row of an unknown table": _overlay_provenance,
    "overlay folder does not exist": _overlay_missing,
    # ---- scenarios -------------------------------------------------------------------------
    "misspelled crossing (embedded)": _yaml(
        """\
        name: boten-closed
        events:
          - {crossing: boten-mohn, close: {from: 2023-10-25, to: 2023-11-04}}
        """, "scenario.yaml", "row 3", "events[0].crossing",
        "unknown crossing 'boten-mohn' (did you mean 'boten-mohan'?)", data="embedded"),
    "reroute --close misspelled (embedded)": _embedded_reroute(
        "boten-mohn", "command line", "field '--close'", "unknown crossing 'boten-mohn'",
        "did you mean 'boten-mohan'?"),
    "event outside the horizon": _yaml(
        """\
        name: late
        horizon: {start: 2024-01-01, days: 5}
        events:
          - {crossing: x1, close: {from: 2024-03-01, to: 2024-03-05}}
        """, "scenario.yaml", "row 4", "events[0].close.from", "lies outside the horizon"),
    "closure ends before it starts": _yaml(
        """\
        name: backwards
        horizon: {start: 2024-01-01, days: 5}
        events:
          - {crossing: x1, close: {from: 2024-01-04, to: 2024-01-02}}
        """, "scenario.yaml", "row 4", "events[0].close", "is before 'from'"),
    "initial queue at an unknown crossing": _yaml(
        """\
        name: queued
        horizon: {start: 2024-01-01, days: 3}
        initial_queues:
          - {crossing: x3, product: durian, trucks: 20}
        """, "scenario.yaml", "row 4", "initial_queues[0].crossing",
        "unknown crossing 'x3'"),
    "negative throttle": _yaml(
        """\
        name: throttle
        events:
          - {crossing: x1, capacity_trucks_per_day: -50}
        """, "scenario.yaml", "row 3", "events[0].capacity_trucks_per_day",
        "greater than or equal to 0"),
    "negative supply factor": _yaml(
        """\
        name: harvest
        events:
          - {supply: {product: durian, factor: -0.5}}
        """, "scenario.yaml", "row 3", "events[0].supply.factor", "greater than or equal to 0"),
    "misspelled scenario key": _yaml(
        """\
        name: typo
        evnts:
          - {crossing: x1}
        """, "scenario.yaml", "row 2", "evnts", "did you mean 'events'?"),
    "date that does not exist": _yaml(
        """\
        name: feb
        horizon: {start: 2023-02-30, days: 3}
        """, "scenario.yaml", "row 2", "horizon.start", "2023-02-30"),
    "malformed YAML": _yaml(
        """\
        name: broken
        events:
          - {crossing: x1, close: {from: 2024-01-01
        """, "scenario.yaml", "malformed YAML"),
    "python tag in YAML": lambda tmp: _yaml(
        f"name: evil\ndescription: {EVIL.format(marker=tmp / 'pwned')}\n",
        "scenario.yaml", "row 2", "field 'description'", "python/object/apply:os.system",
        "not allowed")(tmp),
    "scenario name escapes the output folder": _yaml(
        """\
        name: ../../etc
        """, "scenario.yaml", "row 1", "field 'name'", "'../../etc'", "output folder"),
    "sweep scenario with an absolute name": _yaml(
        """\
        scenarios:
          - {name: /tmp/evil, events: [{crossing: x1}]}
        """, "scenario.yaml", "row 2", "scenarios[0].name", "'/tmp/evil'", command="sweep"),
    "sweep grid name with a path separator": _yaml(
        """\
        grid: {name: "out/{crossing}", crossings: [x1, x2]}
        """, "scenario.yaml", "row 1", "grid", "'out/x1'", command="sweep"),
    # the limit is set (8 GB) so that the case refuses on any machine; by default it is half
    # the machine's memory (see test_model_size_limit_defaults_to_half_the_memory)
    "twenty years day by day (embedded)": _yaml(
        """\
        name: two-decades
        horizon: {start: 2020-01-01, days: 7305}
        """, "scenario 'two-decades'", "field 'horizon.days'", "M variables", "M nonzeros",
        "GB, over the limit of 8.0 GB (BORDERFLOW_MAX_MODEL_GB)", "days fit", data="embedded",
        env={LIMIT_ENV: "8"}),
    "scenario file not found": lambda tmp: Case(
        ["solve", "--scenario", str(tmp / "scenaro.yaml"), "--data", str(_data(tmp))],
        ("scenaro.yaml", "file not found")),
    "data folder does not exist": lambda tmp: Case(
        ["solve", "--data", str(tmp / "dta")], ("dta", "data folder does not exist")),
    "missing model parameter": _solve_with(
        lambda t: t.__setitem__("parameters", t["parameters"].iloc[1:]), "parameters.csv",
        "field 'parameter'", "missing parameter 'road_cost_usd_per_truck_km'"),
    "licence for an unknown product": _solve_with(
        _set("crossings", 0, "licensed_products", "durian;lychee"), "crossings.csv",
        "row 1 (x1)", "field 'licensed_products'", "unknown product 'lychee'"),
    "initial queues in a static scenario": _yaml(
        """\
        name: static-queue
        initial_queues:
          - {crossing: x1, product: durian, trucks: 20}
        """, "scenario.yaml", "initial_queues", "need a dated horizon"),
    "must deliver an unknown product": lambda tmp: Case(
        ["solve", "--data", str(_data(tmp)), "--must-deliver", "durain"],
        ("field '--must-deliver'", "unknown product 'durain'", "did you mean 'durian'")),
    "robust plan: unknown crossing": lambda tmp: Case(
        ["robust", "--data", str(_data(tmp)), "--close", "x9"],
        ("field '--close'", "unknown crossing 'x9'")),
    "robust plan: closures more likely than certain": lambda tmp: Case(
        ["robust", "--data", str(_data(tmp)), "--close", "x1", "--close", "x2",
         "--probability", "0.6"], ("field 'probability'", "2 closures x 0.6 exceed 1")),
}


# ---- issue 15: the adversarial pass, kept as permanent cases -------------------------------
def _semicolons(folder: Path) -> None:
    """nodes.csv saved by a spreadsheet in a European locale (';' between columns)."""
    path = folder / "nodes.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).to_csv(path, sep=";", index=False)


def _tabs(folder: Path) -> None:
    path = folder / "links.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).to_csv(path, sep="\t", index=False)


def _table_is_folder(folder: Path) -> None:
    (folder / "nodes.csv").unlink()
    (folder / "nodes.csv").mkdir()
    (folder / "nodes.csv" / "nodes.csv").write_text("node_id\n")


def _table_is_fifo(folder: Path) -> None:
    # reading a FIFO nobody writes to waits forever: it must be refused, not opened
    (folder / "markets.csv").unlink()
    os.mkfifo(folder / "markets.csv")


def _unquoted_comma(folder: Path) -> None:
    # a price written 1,000 without quotes: one value too many on row 1
    _rewrite("markets.csv", "cn-m,durian,1000,", "cn-m,durian,1,000,")(folder)


def _data_is_file(tmp: Path) -> Case:
    path = tmp / "data.zip"
    path.write_bytes(b"PK\x03\x04")
    return Case(["solve", "--data", str(path)], ("data.zip", "is a file, not a folder"),
                reject=("does not exist",))


def _overlay_is_file(tmp: Path) -> Case:
    path = tmp / "overlay.csv"
    path.write_text("crossing_id\n")
    return Case(["solve", "--data", str(_data(tmp)), "--overlay", str(path)],
                ("overlay.csv", "is a file, not a folder"))


def _laughs() -> str:
    """A 'billion laughs' scenario file: 9 levels of 9 aliases, 10^9 strings, ~600 bytes."""
    text = 'name: laughs\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        text += f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]\n"
    return text


def _scenario_fifo(tmp: Path) -> Case:
    path = tmp / "scenario.yaml"
    os.mkfifo(path)
    return Case(["solve", "--scenario", str(path), "--data", str(_data(tmp))],
                ("scenario.yaml", "not a regular file"), timeout_s=20)


def _cli(*args: str, expect: tuple[str, ...], timeout_s: float = 120.0,
         reject: tuple[str, ...] = ()) -> Callable[[Path], Case]:
    """Case: ``solve`` on the tiny dataset with more options."""
    return lambda tmp: Case(["solve", "--data", str(_data(tmp)), *args], expect,
                            reject=reject, timeout_s=timeout_s)


def _sweep_with(*args: str, expect: tuple[str, ...], timeout_s: float = 60.0
                ) -> Callable[[Path], Case]:
    """Case: a two-scenario sweep of the tiny dataset with more options."""
    return _yaml("""\
        scenarios:
          - {name: no-x1, events: [{crossing: x1}]}
        """, *expect, command="sweep", extra=args, timeout_s=timeout_s)


def _reroute_on_annual_baseline(tmp: Path) -> Case:
    data = _data(tmp)
    base = tmp / "annual"
    solved = CliRunner().invoke(app, ["solve", "--data", str(data), "--out", str(base)])
    assert solved.exit_code == 0, solved.output
    return Case(["reroute", "--close", "x1", "--month", "6", "--baseline", str(base),
                 "--data", str(data)], ("field '--baseline'", "month"))


def _only_misspelled(tmp: Path) -> Case:
    from borderflow.data.loaders import default_data_dir

    example = default_data_dir().parent / "scenarios" / "sweep-example.yaml"
    return Case(["sweep", str(example), "--only", "boten-mohn", "--workers", "1",
                 "--no-progress"], ("field '--only'", "boten-mohn"))


ISSUE_15: dict[str, Callable[[Path], Case]] = {
    # ---- numbers out of range (finite, plausible per column) --------------------------------
    "capacity inf": _solve_with(
        _set("crossings", 0, "capacity_a_to_b_trucks_per_day", "inf"), "crossings.csv",
        "row 1 (x1)", "field 'capacity_a_to_b_trucks_per_day'", "finite", "inf"),
    "capacity 1e308": _solve_with(
        _set("crossings", 1, "capacity_b_to_a_trucks_per_day", "1e308"), "crossings.csv",
        "row 2 (x2)", "field 'capacity_b_to_a_trucks_per_day'", "<= 20000", "1e+308"),
    "capacity 1e400 (overflows to inf)": _solve_with(
        _set("crossings", 0, "capacity_a_to_b_trucks_per_day", "1e400"), "crossings.csv",
        "row 1 (x1)", "field 'capacity_a_to_b_trucks_per_day'", "finite"),
    "supply 1e308": _solve_with(
        _set("supply", 0, "supply_t_per_year", "1e308"), "supply.csv", "row 1 (vn-o/durian)",
        "field 'supply_t_per_year'", "<= 1e+09"),
    "market price -inf": _solve_with(
        _set("markets", 0, "price_usd_per_t", "-inf"), "markets.csv", "row 1 (cn-m/durian)",
        "field 'price_usd_per_t'", "finite"),
    "negative road cost per km": _solve_with(
        _set("parameters", 0, "value", -1.2), "parameters.csv",
        "row 1 (road_cost_usd_per_truck_km)", "field 'value'", "between 0 and 100", "-1.2"),
    "empty-return share as a percentage": _solve_with(
        lambda t: t.__setitem__("parameters", pd.concat([t["parameters"], pd.DataFrame([{
            **tiny.PROV, "parameter": "empty_return_share", "value": 50, "unit": "-"}])],
            ignore_index=True)), "parameters.csv", "row 7 (empty_return_share)",
        "field 'value'", "between 0 and 1"),
    "parameter in the wrong unit": _solve_with(
        _set("parameters", 4, "unit", "USD/truck-hour"), "parameters.csv",
        "row 5 (waiting_cost_usd_per_truck_day)", "field 'unit'", "USD/truck-day"),
    "fee 1e12": _solve_with(
        _set("crossings", 0, "fee_usd_per_truck", "1e12"), "crossings.csv", "row 1 (x1)",
        "field 'fee_usd_per_truck'", "<= 10000"),
    "link length inf": _solve_with(
        _set("links", 0, "length_km", "inf"), "links.csv", "row 1 (l1)", "field 'length_km'",
        "finite"),
    "shelf life in hours (ambient 120)": _solve_with(
        _set("products", 0, "shelf_life_ambient_days", 120), "products.csv", "row 1 (durian)",
        "field 'shelf_life_ambient_days'", "hours given instead of days?", "120 h = 5 days"),
    "shelf life in hours (reefer 336)": _solve_with(
        _set("products", 0, "shelf_life_reefer_days", 336), "products.csv", "row 1 (durian)",
        "field 'shelf_life_reefer_days'", "hours given instead of days?", "336 h = 14 days"),
    # ---- dates and files -------------------------------------------------------------------
    "opening date 01/06/2026": _solve_with(
        _set("crossings", 1, "opens", "01/06/2026"), "crossings.csv", "row 2 (x2)",
        "field 'opens'", "not an ISO date (YYYY-MM-DD)", "'01/06/2026'"),
    "opening date 2026-02-30": _solve_with(
        _set("crossings", 1, "opens", "2026-02-30"), "crossings.csv", "row 2 (x2)",
        "field 'opens'", "not a date"),
    "semicolon-delimited CSV": _file_edit(_semicolons, "nodes.csv", "separated by semicolons",
                                          "comma"),
    "tab-delimited CSV": _file_edit(_tabs, "links.csv", "separated by tabs", "comma"),
    "unquoted comma in a value": _file_edit(_unquoted_comma, "markets.csv", "row 1",
                                            "double quotes"),
    "table that is a folder": _file_edit(_table_is_folder, "nodes.csv",
                                         "is a folder, not a CSV file"),
    "table that is a FIFO (never hang)": lambda tmp: Case(
        _file_edit(_table_is_fifo, "markets.csv", "not a regular file")(tmp).args,
        ("markets.csv", "not a regular file"), timeout_s=20),
    "--data is a file": _data_is_file,
    "--overlay is a file": _overlay_is_file,
    # ---- scenario files --------------------------------------------------------------------
    "supply factor 1e300": _yaml(
        """\
        name: glut
        events:
          - {supply: {product: durian, factor: 1e300}}
        """, "scenario.yaml", "row 3", "events[0].supply.factor"),
    "throttle 1e308 trucks a day": _yaml(
        """\
        name: wide-open
        events:
          - {crossing: x1, capacity_trucks_per_day: 1e308}
        """, "scenario.yaml", "row 3", "events[0].capacity_trucks_per_day"),
    "YAML billion laughs (never hang)": _yaml(_laughs(), "scenario.yaml", "aliases",
                                              timeout_s=20, dedent=False),
    "scenario file over the size limit": _yaml(
        "name: huge\ndescription: " + "x" * 1_500_000 + "\n", "scenario.yaml", "MB limit",
        dedent=False),
    "YAML nested 10,000 levels": _yaml("name: deep\ndescription: " + "[" * 10_000
                                       + "]" * 10_000 + "\n", "scenario.yaml", "nested",
                                       dedent=False, timeout_s=30),
    "scenario file that is a FIFO (never hang)": _scenario_fifo,
    "events: twice": _yaml(
        """\
        name: twice
        events:
          - {crossing: x1}
        events:
          - {crossing: x2}
        """, "scenario.yaml", "row 4", "events", "twice"),
    "base names a dataset that is never used": _yaml(
        """\
        name: elsewhere
        base: my-dataset
        """, "scenario.yaml", "row 2", "field 'base'", "my-dataset"),
    "event with both close and a capacity": _yaml(
        """\
        name: both
        events:
          - {crossing: x1, close: {from: 2024-01-01}, capacity_trucks_per_day: 20}
        """, "scenario.yaml", "row 3", "events[0]", "close", "capacity_trucks_per_day",
        reject=("did you mean 'capacity_trucks_per_day'",)),
    "scenario name of 300 letters": _yaml(
        "name: " + "a" * 300 + "\n", "scenario.yaml", "row 1", "field 'name'", "100",
        dedent=False),
    # ---- options ---------------------------------------------------------------------------
    "--time-limit -1": _cli("--time-limit", "-1", expect=("field '--time-limit'",)),
    "--time-limit nan": _cli("--time-limit", "nan", expect=("field '--time-limit'",)),
    "--overlap-days without --window-days": _cli(
        "--overlap-days", "3", expect=("field '--overlap-days'", "--window-days")),
    "reroute --month on an annual --baseline": _reroute_on_annual_baseline,
    # ---- sweeps ----------------------------------------------------------------------------
    "sweep grid of no crossings": _yaml(
        """\
        grid: {crossings: []}
        """, "scenario.yaml", "row 1", "grid", "crossings", command="sweep"),
    "sweep grid closing 40 days in February": _yaml(
        """\
        grid: {crossings: [x1], days: [40], months: [2]}
        """, "scenario.yaml", "row 1", "grid", "40", command="sweep"),
    "sweep --only misspelled writes nothing (embedded)": _only_misspelled,
    "sweep --scheduler nothing listens (never hang)": _sweep_with(
        "--scheduler", "tcp://127.0.0.1:1", expect=("field '--scheduler'", "127.0.0.1:1"),
        timeout_s=20),
    "sweep --scheduler not an address": _sweep_with(
        "--scheduler", "not a url", expect=("field '--scheduler'", "not a url"), timeout_s=20),
}
CASES.update(ISSUE_15)

#: realistic dispatch and its announcements (issue 18, part B)
ISSUE_18_DISPATCH: dict[str, Callable[[Path], Case]] = {
    "event announced after it starts": _yaml(
        """\
        name: late-news
        horizon: {start: 2024-01-01, days: 5}
        events:
          - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03}, announced: 2024-01-04}
        """, "scenario.yaml", "row 4", "events[0]", "announced 2024-01-04 is after the event "
        "starts (2024-01-02)"),
    "reopening announced for an open-ended closure": _yaml(
        """\
        name: no-end
        horizon: {start: 2024-01-01, days: 5}
        events:
          - {crossing: x1, close: {from: 2024-01-02}, reopening_announced: 2024-01-04}
        """, "scenario.yaml", "row 4", "events[0]", "needs a closure with an end"),
    "reopening announced after the reopening": _yaml(
        """\
        name: late-reopening
        horizon: {start: 2024-01-01, days: 8}
        events:
          - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03},
             reopening_announced: 2024-01-06}
        """, "scenario.yaml", "row 4", "events[0]", "after the reopening day (2024-01-04)"),
    "ramp of zero days": _yaml(
        """\
        name: ramp
        horizon: {start: 2024-01-01, days: 5}
        events:
          - {crossing: x1, ramp: {start_trucks_per_day: 5, days: 0}, from: 2024-01-02}
        """, "scenario.yaml", "row 4", "events[0].ramp.days", "greater than or equal to 1"),
    "--dispatch realistic on a static run": _yaml(
        """\
        name: static
        events:
          - {crossing: x1}
        """, "command line", "field '--dispatch'", "needs a dated scenario",
        extra=("--dispatch", "realistic")),
    "keep_coming_share above 1": _yaml(
        """\
        name: keep
        horizon: {start: 2024-01-01, days: 5}
        keep_coming_share: 1.5
        """, "scenario.yaml", "row 3", "keep_coming_share", "less than or equal to 1",
        extra=("--dispatch", "realistic")),
    "--dispatch misspelled": _yaml(
        """\
        name: dated
        horizon: {start: 2024-01-01, days: 3}
        """, "command line", "field '--dispatch'", "must be one of auto, foresight, realistic",
        extra=("--dispatch", "realistik")),
    "--clearance-order misspelled": _yaml(
        """\
        name: dated
        horizon: {start: 2024-01-01, days: 3}
        """, "command line", "field '--clearance-order'", "must be one of lp, class-fifo",
        extra=("--clearance-order", "fifo")),
}


def _behaviour_row(applies_to: str, value) -> Callable:
    """An edit that gives the tiny dataset a behaviour.csv: the reaction lag (every gate) and
    a ``keep_coming_days`` row for ``applies_to``."""
    def edit(t):
        row = {"unit": "days", "low": 0, "high": 60, "source": "test", "source_year": 2024,
               "quality": "estimate", "notes": ""}
        t["behaviour"] = pd.DataFrame([
            {**row, "parameter": "dispatch_reaction_lag_days", "applies_to": "any gate",
             "value": 0},
            {**row, "parameter": "keep_coming_days", "applies_to": applies_to,
             "value": value}])
    return edit


def _realistic_with(edit: Callable, *expect: str) -> Callable[[Path], Case]:
    """Case: ``solve --dispatch realistic`` of a dated closure on the tiny dataset after
    ``edit``."""
    def case(tmp: Path) -> Case:
        path = tmp / "scenario.yaml"
        path.write_text("name: keep\nhorizon: {start: 2024-01-01, days: 5}\nevents:\n"
                        "  - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03}}\n",
                        encoding="utf-8")
        return Case(["solve", "--scenario", str(path), "--data", str(_data(tmp, edit)),
                     "--dispatch", "realistic"], expect)
    return case


ISSUE_18_DISPATCH.update({
    "behaviour.csv keep_coming_days at an unknown crossing": _realistic_with(
        _behaviour_row("lang-son", 18), "behaviour.csv", "row 3", "field 'applies_to'",
        "crossing id of crossings.csv, not 'lang-son'"),
    "behaviour.csv keep_coming_days of a gate not whole": _realistic_with(
        _behaviour_row("x1", 18.5), "behaviour.csv", "row 3", "field 'value'",
        "keep_coming_days must be a whole number of days within 0-60, not 18.5"),
})
CASES.update(ISSUE_18_DISPATCH)


def _tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (relative path -> digest)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_with_one_message(tmp_path, name):
    case = CASES[name](tmp_path)
    out = tmp_path / "run"
    previous = list(CASES).index(name) % 2 == 1  # every other case: a previous run is there
    if previous:
        out.mkdir()
        (out / "summary.json").write_text('{"status": "optimal"}\n')
        (out / "flows.csv").write_text("arc_id,flow_t\nl1,200\n")
    before = _tree(out) if previous else None
    result = invoke(CliRunner(), app, [*case.args, "--out", str(out)], case.timeout_s,
                    env=case.env)
    output = result.output
    assert result.exit_code == 2, output + (f"\n{result.exception!r}" if result.exception
                                            else "")
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    for part in case.expect:
        assert part in errors[0], f"{part!r} not in {errors[0]!r}"
    for part in case.reject:
        assert part not in errors[0], f"{part!r} in {errors[0]!r}"
    if previous:
        assert _tree(out) == before
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run.")]
    else:
        assert not out.exists()
    assert not (tmp_path / "pwned").exists()


def test_catalogue_is_large_enough():
    assert len(CASES) >= 32 + len(ISSUE_15) and len(ISSUE_15) >= 39


def test_model_size_limit_defaults_to_half_the_memory(monkeypatch):
    monkeypatch.delenv(LIMIT_ENV, raising=False)
    limit, why = max_model_gb()
    assert 0 < limit and "half of this machine's" in why
    assert max_model_gb(3.0) == (3.0, "max_model_gb")
    monkeypatch.setenv(LIMIT_ENV, "5")
    assert max_model_gb() == (5.0, LIMIT_ENV)


def test_overlapping_events_are_told_not_resolved_silently(tmp_path):
    """A closure and a throttle of the same crossing on the same days: the run goes on (the
    later event wins, as documented), but a warning names both events and the days."""
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent("""\
        name: overlap
        horizon: {start: 2024-01-01, days: 5}
        events:
          - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-04}}
          - {crossing: x1, capacity_trucks_per_day: 10, from: 2024-01-03, to: 2024-01-05}
        """), encoding="utf-8")
    result = invoke(CliRunner(), app, ["solve", "--scenario", str(path), "--data",
                                       str(_data(tmp_path)), "--out", str(tmp_path / "run"),
                                       "--dispatch", "foresight"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.output
    for part in ("scenario.yaml", "events[0]", "events[1]", "x1", "2024-01-03"):
        assert part in warnings[0], (part, warnings[0])
