"""A writer for the fault-injection tests (run as a script, killed at chosen steps).

``python fault_writer.py KIND OUT VERSION [--fallback]`` writes a run or sweep folder through
:mod:`borderflow.runfolder` as the commands do, calling
:func:`borderflow.faults.fault_point` after every file it writes:

``run``
    one run folder, built aside and swapped in (``solve``);
``sweep``
    a sweep folder written in place, one scenario folder at a time, then its tables and marker
    (a new sweep, or ``sweep --resume``);
``sweep-replace``
    a whole new sweep built aside and swapped in over an old one (``sweep`` without
    ``--resume`` over a finished sweep).

``VERSION`` is written into every file, so a test can tell the old folder from the new one.
``--fallback`` disables ``renameat2`` (the two-rename swap and its recovery).
"""

from __future__ import annotations

import sys
from pathlib import Path

from borderflow import atomicfs
from borderflow.faults import fault_point
from borderflow.runfolder import claim, replace_folder

SCENARIOS = ("a", "b", "c")
TABLES = ("flows", "crossings", "summary")


def _run(tmp: Path, version: str, kind: str = "run") -> None:
    for name in TABLES:
        (tmp / f"{name}.csv").write_text(f"{name},{version}\n")
        fault_point(f"{kind}:write:{name}.csv")


def _sweep(folder: Path, version: str) -> None:
    (folder / "plan.json").write_text(f'{{"version": "{version}"}}\n')
    fault_point("sweep:write:plan.json")
    (folder / "scenarios").mkdir(exist_ok=True)
    for s in SCENARIOS:
        with replace_folder(folder / "scenarios" / f"scenario={s}", durable=False) as tmp:
            _run(tmp, f"{version}-{s}", "partition")
    (folder / "comparison.csv").write_text(f"comparison,{version}\n")
    fault_point("sweep:write:comparison.csv")


def main(kind: str, out: str, version: str) -> None:
    data = Path(out).parent / "data"
    if kind == "run":
        with claim(out, "run", protected={"--data": data}) as target, \
                target.replace() as tmp:
            _run(tmp, version)
    elif kind == "sweep":
        with claim(out, "sweep", protected={"--data": data}) as target:
            _sweep(target.open_in_place(), version)
            target.finish_in_place()
    elif kind == "sweep-replace":
        with claim(out, "sweep", protected={"--data": data}) as target, \
                target.replace() as tmp:
            _sweep(tmp, version)
    else:
        raise SystemExit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    if "--fallback" in sys.argv:
        sys.argv.remove("--fallback")
        atomicfs._RENAMEAT2 = None
    main(*sys.argv[1:4])
