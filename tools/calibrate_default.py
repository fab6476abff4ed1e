"""Regenerate the calibrated embedded dataset: ``python tools/calibrate_default.py``.

1. Check that ``data/uncalibrated/`` (the prior rows of every calibrated row, an overlay of
   ``data/default``) agrees with ``data/default`` on every field calibration does not write:
   a row edited in one and not the other is an error naming table, row and field (edit the
   prior in ``data/uncalibrated/``, then run this again);
2. calibrate ``data/default`` + overlay ``data/uncalibrated`` (the prior dataset) into
   ``build/calibration-default`` (``borderflow calibrate`` with the defaults; options after
   ``--`` are passed on, e.g. ``-- --rounds 1``); ``data/default`` is staged in
   ``build/calibration-default-input`` with the ``value`` of its ranges set to the priors the
   overlay holds (``data/default/ranges.csv`` records the calibrated values, which the ranges
   check would refuse against the prior dataset);
3. copy the calibrated tables and ``ranges.csv`` into ``data/default``, the new prior overlay
   into ``data/uncalibrated`` and the fit report into ``docs/calibration-report.md``.

The first run (no ``data/uncalibrated`` yet) calibrates ``data/default`` as it is. Exit 2 on a
disagreement or bad input, with nothing written.

``--with-congestion`` (before ``--``) switches the congestion tiers on first: the prior rows of
``tools/congestion_prior/`` (``parameters.csv``: breakpoints, hours, the clearing rule and the
lane value, estimates; ``cost_terms.csv``: the lane values of the gates whose lanes differ;
``ranges.csv``: their ranges) are appended to a copy of ``data/default`` where it lacks them,
and that copy is calibrated, so the calibrated ``data/default`` carries the fitted tiers and
``data/uncalibrated`` their prior (docs/calibration.md, "Congestion").
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA, PRIOR = ROOT / "data" / "default", ROOT / "data" / "uncalibrated"
OUT = ROOT / "build" / "calibration-default"
REPORT = ROOT / "docs" / "calibration-report.md"
CONGESTION = ROOT / "tools" / "congestion_prior"
STAGED = ROOT / "build" / "calibration-default-input"
#: what calibration writes in a row besides the calibrated fields
WRITTEN = {"notes", "source"}
KEYS = {"supply.csv": ("node_id", "product_id"), "crossings.csv": ("crossing_id",),
        "parameters.csv": ("parameter",), "cost_terms.csv": ("term", "applies_to"),
        "markets.csv": ("node_id", "product_id"), "links.csv": ("link_id",),
        "products.csv": ("product_id",), "seasonality.csv": ("product_id", "country", "month")}
CALIBRATED = re.compile(r"^calibrated \(fit [0-9a-f]+\): (.*?)\.(?: |$)")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def disagreements() -> list[str]:
    """Fields on which a prior row and its calibrated row differ without calibration's say."""
    out = []
    for prior_file in sorted(PRIOR.glob("*.csv")) if PRIOR.is_dir() else []:
        key = KEYS[prior_file.name]
        now = {tuple(r[k] for k in key): r for r in _rows(DATA / prior_file.name)}
        for n, prior in enumerate(_rows(prior_file), start=1):
            k = tuple(prior[c] for c in key)
            row = now.get(k)
            if row is None:
                out.append(f"{prior_file.name}, row {n} ({'/'.join(k)}): no such row in "
                           f"data/default/{prior_file.name}")
                continue
            note = CALIBRATED.match(row.get("notes", ""))
            moved = {m.split(" ", 1)[0] for m in note.group(1).split("; ")} if note else set()
            for field, value in prior.items():
                if field not in WRITTEN | moved and row.get(field) != value:
                    out.append(f"{prior_file.name}, row {n} ({'/'.join(k)}), field '{field}': "
                               f"'{value}' in data/uncalibrated, '{row.get(field)}' in "
                               "data/default (edit the prior in data/uncalibrated)")
    return out


def with_congestion(data: Path, staged: Path) -> Path:
    """A copy of ``data`` (at ``staged``) with the rows of ``tools/congestion_prior`` appended
    to its ``parameters.csv``, ``cost_terms.csv`` and ``ranges.csv`` where it lacks them (by
    parameter name, by ``term|applies_to``)."""
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(data, staged)
    have = {r["parameter"] for r in _rows(staged / "parameters.csv")} | {
        f"{r['term']}|{r['applies_to']}" for r in _rows(staged / "cost_terms.csv")}
    for name, key in (("parameters.csv", "parameter"), ("cost_terms.csv", "term|applies_to"),
                      ("ranges.csv", "row_key")):
        lines = (CONGESTION / name).read_text(encoding="utf-8").splitlines(keepends=True)
        add = [line for line, row in zip(lines[1:], _rows(CONGESTION / name))
               if "|".join(row[k] for k in key.split("|")) not in have]
        text = (staged / name).read_text(encoding="utf-8")
        with open(staged / name, "a", encoding="utf-8") as fh:
            fh.write(("" if text.endswith("\n") else "\n") + "".join(add))
    return staged


def with_prior_values(data: Path, staged: Path) -> Path:
    """``data`` staged at ``staged`` (kept if it is already there) with the ``value`` of every
    ``ranges.csv`` row that a prior row of ``data/uncalibrated`` overlays set to that prior
    number: ``data/default``'s ranges hold the calibrated values, while the fit reads
    ``data/default`` + overlay ``data/uncalibrated``, whose numbers are the priors (the range
    itself was derived from the prior, ``tools/build_ranges.py``). Other lines keep their text."""
    if data != staged:
        if staged.exists():
            shutil.rmtree(staged)
        shutil.copytree(data, staged)
    prior = {}
    for prior_file in sorted(PRIOR.glob("*.csv")):
        key = KEYS[prior_file.name]
        for row in _rows(prior_file):
            for field, value in row.items():
                prior[(prior_file.stem, "|".join(row[k] for k in key), field)] = value
    path = staged / "ranges.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != len(lines):
        raise SystemExit(f"{path}: a record spans several lines (not supported)")
    t, k, f, v = (rows[0].index(c) for c in ("table", "row_key", "field", "value"))
    for n in range(1, len(rows)):
        value = prior.get((rows[n][t], rows[n][k], rows[n][f]))
        if value and rows[n][v] and float(value) != float(rows[n][v]):
            rows[n][v] = f"{float(value):.6g}"
            out = io.StringIO()
            csv.writer(out, lineterminator="").writerow(rows[n])
            lines[n] = out.getvalue()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return staged


def main(argv: list[str]) -> int:
    congestion = "--with-congestion" in argv
    argv = [a for a in argv if a != "--with-congestion"]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    problems = disagreements()
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    data = with_congestion(DATA, STAGED) if congestion else DATA
    if PRIOR.is_dir():
        data = with_prior_values(data, STAGED)
    cmd = [sys.executable, "-m", "borderflow.cli", "calibrate", "--data", str(data),
           "--out", str(OUT)]
    if PRIOR.is_dir():
        cmd += ["--overlay", str(PRIOR)]
    done = subprocess.run(cmd + argv, cwd=ROOT, check=False)
    if done.returncode != 0:
        return done.returncode
    for path in sorted((OUT / "dataset").glob("*.csv")):
        if path.name in KEYS or path.name == "ranges.csv":
            target = DATA / path.name
            if not target.exists() or target.read_bytes() != path.read_bytes():
                shutil.copyfile(path, target)
    if PRIOR.is_dir():
        shutil.rmtree(PRIOR)
    shutil.copytree(OUT / "uncalibrated", PRIOR)
    shutil.copyfile(OUT / "report.md", REPORT)
    print(f"data/default and data/uncalibrated updated; report in {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
