"""The dated-baseline check of a dataset as it is, without a fit: ``python tools/dated_check.py``.

Solves the dataset (default: the embedded, calibrated one) statically for every month and as
undisrupted dated baselines for the months of the gate observations of a month or a season,
and prints the check as the fit report shows it (docs/calibration.md, "The dated-baseline
check"). Options:

- ``--data DIR`` a dataset folder (default: the embedded one); ``--overlay DIR`` (repeatable);
- ``--days N`` days of each window (default 7);
- ``--update FILE`` also write the section into a fit report (``docs/calibration-report.md``):
  it replaces the report's "Dated-baseline check" section, or goes before "Observations
  fitted";
- ``--fail-on-dated-miss`` exit 9 when a gate is flagged (in band statically, out of band
  dated).

Exit 2 on bad input (one line naming the option or file).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from borderflow.calibration import DatedCheckOptions, check_dated_baseline
from borderflow.calibration.dated_check import EXIT_DATED_MISS
from borderflow.calibration.report import dated_section
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError

SECTION = re.compile(r"^## Dated-baseline check\n.*?(?=^## )", re.S | re.M)
BEFORE = "## Observations fitted"


def with_section(report: str, section: str) -> str:
    """``report`` with its dated-check section replaced by ``section`` (or inserted before
    "Observations fitted", or appended)."""
    if SECTION.search(report):
        return SECTION.sub(lambda _: section, report, count=1)
    at = report.find(BEFORE)
    return report[:at] + section + report[at:] if at >= 0 else report.rstrip("\n") + \
        "\n\n" + section


def main(argv: list[str]) -> int:
    """Run the check; print the section; write it into ``--update``; the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--overlay", type=Path, action="append", default=[])
    ap.add_argument("--days", type=int, default=DatedCheckOptions.days)
    ap.add_argument("--update", type=Path)
    ap.add_argument("--fail-on-dated-miss", action="store_true")
    a = ap.parse_args(argv)
    if a.update is not None and not a.update.is_file():
        print(f"--update: no file {a.update}", file=sys.stderr)
        return 2
    try:
        options = DatedCheckOptions(days=a.days)
    except ValueError as err:
        print(f"--days: {err}", file=sys.stderr)
        return 2
    t0 = time.process_time()
    try:
        tables = load_dataset(a.data, a.overlay)
        table, meta = check_dated_baseline(
            tables, options=options, progress=lambda m: print(m, file=sys.stderr))
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    section = "\n".join(dated_section(table, meta)) + "\n"
    print(section)
    print(f"{len(meta['runs'])} dated runs; {time.process_time() - t0:.1f} CPU s in all "
          "(this process)", file=sys.stderr)
    if a.update is not None:
        a.update.write_text(with_section(a.update.read_text(encoding="utf-8"), section),
                            encoding="utf-8")
    return EXIT_DATED_MISS if a.fail_on_dated_miss and meta["flags"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
