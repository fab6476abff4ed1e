"""Random edits of valid input files: refused in one line or used correctly, never anything else.

Hypothesis edits the tiny dataset's CSV files (a cell replaced by a tricky value, a row or
column dropped or doubled, a header renamed, bytes cut or inserted, another delimiter) and
valid scenario files (a value replaced, a key dropped or doubled, a line inserted, an alias,
the text cut short). Every outcome must be one of:

* accepted: the command solves, exits 0, and ``borderflow verify`` passes on what it wrote;
* refused: exit 2 with one ``error:`` line naming the file, and nothing written;
* (scenario files only) exit 4, infeasible, when an edit asks for something impossible
  (``must_deliver``), with one ``solver:`` line and nothing written.

Never a traceback, a hang (every example has a time limit) or a write after a refusal.

Cost is bounded for CI: the loaders are fuzzed in-process (no solve: ``max_examples`` 60 CSV,
50 YAML), and a smaller sample (15 CSV, 12 YAML) goes through ``borderflow solve`` and
``verify``. Examples are derandomized (the same every run); raise ``BORDERFLOW_FUZZ_EXAMPLES``
to explore more locally, e.g. ``BORDERFLOW_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_inputs.py``.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import textwrap
from pathlib import Path

import hypothesis.strategies as st
import tiny
from borderflow.data.errors import InputError
from borderflow.data.scenario_checks import Catalog
from borderflow.data.scenario_files import load_scenarios
from clitools import time_limit
from hypothesis import HealthCheck, given, settings
from helpers import ON_BORDER
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.dataset import load_dataset

_SCALE = max(1, int(os.environ.get("BORDERFLOW_FUZZ_EXAMPLES", "0")) // 60) \
    if os.environ.get("BORDERFLOW_FUZZ_EXAMPLES") else 1


def _settings(examples: int):
    return settings(max_examples=examples * _SCALE, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    print_blob=True)


# ---------------------------------------------------------------------------- the valid inputs
def _tables():
    t = tiny.base_tables()
    for i, (lon, lat) in ON_BORDER.items():
        t["crossings"].loc[i, ["lon", "lat"]] = [lon, lat]
    return t


def _csv_texts() -> dict[str, str]:
    return {f"{name}.csv": df.to_csv(index=False) for name, df in _tables().items()}


BASE_CSV = _csv_texts()

SCENARIOS = [
    """\
    name: closure
    horizon: {start: 2024-01-01, days: 5}
    events:
      - {crossing: x1, close: {from: 2024-01-02, to: 2024-01-03}}
      - {crossing: x2, capacity_trucks_per_day: 15, from: 2024-01-04}
      - {supply: {product: durian, factor: 1.3}}
    initial_queues:
      - {crossing: x1, product: durian, trucks: 4, age_days: 1}
    """,
    """\
    name: static-month
    description: X2 closed in June
    horizon: {month: 6}
    events:
      - {crossing: x2, direction: a_to_b}
      - {crossing: x1, priority: {share: 0.5}}
    """,
    """\
    scenarios:
      - {name: no-x1, events: [{crossing: x1}]}
      - name: throttled
        events:
          - {crossing: x2, capacity_trucks_per_day: 3}
    grid: {crossings: [x1, x2], days: [2], horizon: {start: 2024-01-01, days: 3}}
    """,
]

TRICKY = ["", " ", "nan", "NaN", "inf", "-inf", "1e308", "1e400", "-1", "0", "1e-300", "1,5",
          "1.000,50", "true", "yes", "maybe", "01/06/2026", "2026-02-30", "x1", "x3", "vn-o",
          '"', "'", ";", "\t", "NULL", "N/A", "LINESTRING EMPTY", "LINESTRING (0 0, 1 1)",
          "\u00e9", "\U0001f600", "\x00", "a" * 300, "[1, 2]", "{a: 1}", "*a", "&a x", "!!str 1",
          "- x", "null", "~", "2024-01-01", "1e300", "-0.5", "99999999999999999999"]


def _value():
    return st.one_of(st.sampled_from(TRICKY),
                     st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     st.integers(-10**12, 10**12).map(str),
                     st.text(max_size=12))


# ---------------------------------------------------------------------------- CSV edits
def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _text(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@st.composite
def csv_edit(draw) -> tuple[str, bytes]:
    """(file, new bytes) for one random edit of one file of the dataset."""
    name = draw(st.sampled_from(sorted(BASE_CSV)))
    rows = _rows(BASE_CSV[name])
    kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_row", "dup_row", "drop_col",
                                 "rename_col", "truncate", "insert_bytes", "delimiter",
                                 "swap_lines", "crlf_bom", "extra_field"]))
    r = draw(st.integers(1, len(rows) - 1))
    c = draw(st.integers(0, len(rows[0]) - 1))
    if kind == "cell":
        rows[r][c] = draw(_value())
    elif kind == "drop_row":
        del rows[r]
    elif kind == "dup_row":
        rows.append(list(rows[r]))
    elif kind == "drop_col":
        rows = [row[:c] + row[c + 1:] for row in rows]
    elif kind == "rename_col":
        rows[0][c] = draw(st.sampled_from([rows[0][c].upper(), rows[0][c] + "_", "",
                                           rows[0][(c + 1) % len(rows[0])]]))
    elif kind == "extra_field":
        rows[r].append(draw(_value()))
    data = _text(rows).encode("utf-8", errors="surrogatepass")
    if kind == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif kind == "insert_bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif kind == "delimiter":
        data = _text(rows, draw(st.sampled_from([";", "\t", "|"]))).encode()
    elif kind == "swap_lines":
        lines = data.split(b"\n")
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        data = b"\n".join(lines)
    elif kind == "crlf_bom":
        data = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    return name, data


def _dataset(folder: Path, edit: tuple[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in BASE_CSV.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / edit[0]).write_bytes(edit[1])
    return folder


def _one_line(err: InputError, *names: str) -> None:
    message = str(err)
    assert "\n" not in message and message.strip(), repr(message)
    assert any(n in message for n in names), message


@_settings(60)
@given(edit=csv_edit())
def test_the_csv_loader_refuses_in_one_line_or_accepts(edit):
    with tempfile.TemporaryDirectory() as tmp, time_limit(30):
        folder = _dataset(Path(tmp) / "data", edit)
        try:
            load_dataset(folder, check_borders=True)
        except InputError as err:
            _one_line(err, *BASE_CSV, "data")


# ---------------------------------------------------------------------------- YAML edits
@st.composite
def yaml_edit(draw) -> str:
    lines = textwrap.dedent(draw(st.sampled_from(SCENARIOS))).splitlines()
    kind = draw(st.sampled_from(["value", "value", "value", "drop_line", "dup_line",
                                 "insert_line", "truncate", "indent", "alias", "char"]))
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "value":
        line = lines[i]
        spots = [k for k, ch in enumerate(line) if ch in ":,"]
        if spots:
            at = draw(st.sampled_from(spots)) + 1
            rest = line[at:]
            end = min([rest.find(ch) for ch in ",}]" if rest.find(ch) >= 0] or [len(rest)])
            lines[i] = line[:at] + " " + draw(_value()) + rest[end:]
    elif kind == "drop_line":
        del lines[i]
    elif kind == "dup_line":
        lines.insert(i, lines[i])
    elif kind == "insert_line":
        key = draw(st.sampled_from(["events", "name", "base", "horizon", "must_deliver",
                                    "initial_queues", "grid", "description", "zzz"]))
        lines.insert(i, f"{key}: {draw(_value())}")
    elif kind == "indent":
        lines[i] = " " * draw(st.integers(0, 6)) + lines[i].lstrip()
    elif kind == "alias":
        lines[i] = lines[i].replace(": ", ": &a ", 1)
        lines.append("extra: [*a, *a, *a]")
    elif kind == "char":
        line = lines[i]
        at = draw(st.integers(0, len(line)))
        lines[i] = line[:at] + draw(st.sampled_from(list("{}[]:,-#&*!|>'\"%@`\t"))) + line[at:]
    text = "\n".join(lines) + "\n"
    if kind == "truncate":
        text = text[:draw(st.integers(0, len(text)))]
    return text


_CATALOG = {}


def _catalog() -> Catalog:
    if "tiny" not in _CATALOG:
        with tempfile.TemporaryDirectory() as tmp:
            folder = _dataset(Path(tmp) / "data", ("products.csv",
                                                   BASE_CSV["products.csv"].encode()))
            _CATALOG["tiny"] = Catalog.of(load_dataset(folder, check_borders=False))
    return _CATALOG["tiny"]


@_settings(50)
@given(text=yaml_edit())
def test_the_scenario_loader_refuses_in_one_line_or_accepts(text):
    catalog = _catalog()
    with tempfile.TemporaryDirectory() as tmp, time_limit(30):
        path = Path(tmp) / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_scenarios(path, catalog)
        except InputError as err:
            _one_line(err, "scenario.yaml")


# ---------------------------------------------------------------------------- end to end
def _outcome(args: list[str], out: Path, file_names: tuple[str, ...]) -> None:
    with time_limit(120):
        result = CliRunner().invoke(app, [*args, "--out", str(out)])
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{result.exception!r}\n{output}"
    assert "Traceback" not in output
    if result.exit_code == 0:
        with time_limit(120):
            verified = CliRunner().invoke(app, ["verify", str(out)])
        assert verified.exit_code == 0, verified.output[-3000:]
        return
    assert result.exit_code in (2, 4), output[-3000:]
    tag = "error:" if result.exit_code == 2 else "solver:"
    lines = [line for line in output.splitlines() if line.startswith(tag)]
    assert len(lines) == 1, output
    if result.exit_code == 2:
        assert any(n in lines[0] for n in file_names), lines[0]
    assert not out.exists(), f"written after exit {result.exit_code}: {sorted(os.listdir(out))}"


@_settings(15)
@given(edit=csv_edit())
def test_solve_on_randomly_edited_data(edit):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _dataset(Path(tmp) / "data", edit)
        _outcome(["solve", "--data", str(folder)], Path(tmp) / "run", (*BASE_CSV, "data"))


@_settings(12)
@given(text=yaml_edit())
def test_solve_on_randomly_edited_scenarios(text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _dataset(Path(tmp) / "data", ("products.csv",
                                               BASE_CSV["products.csv"].encode()))
        path = Path(tmp) / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        _outcome(["solve", "--scenario", str(path), "--data", str(folder)], Path(tmp) / "run",
                 ("scenario.yaml", "--scenario"))
