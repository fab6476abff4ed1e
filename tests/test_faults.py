"""Kill -9 at every step that writes or renames, and check that no user file is ever lost.

The invariant (issue 15): at every instant the output path holds the old folder or the new
one, complete (its marker and manifest agree); nothing a user put beside it or in the dataset
changes; the next run finishes the job and leaves no temporary folder or lock behind.

How: :mod:`borderflow.faults` names every step (``run:swap``, ``run:write:flows.csv`` ...). A
command is run once with ``BORDERFLOW_FAULT_TRACE`` to list its steps, then once per step with
``BORDERFLOW_FAULT_AT=<step>``, which makes the process ``SIGKILL`` itself there.

First on :mod:`borderflow.runfolder` itself (tests/fault_writer.py writes runs and sweeps the
way the commands do), at every step, with ``renameat2`` and with the two-rename fallback; then
on the ``borderflow solve`` and ``borderflow sweep`` commands at one step of each kind (each
run solves: every step would cost minutes of CI for nothing the writer tests do not show), and
on a sweep whose Dask worker is killed while it writes a scenario folder
(``BORDERFLOW_WORKER_FAULT_AT``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from clitools import borderflow_command
from helpers import border_data as _border_data

from borderflow.faults import ACTION_ENV, FAULT_ENV, TRACE_ENV, WORKER_FAULT_ENV, read_trace
from borderflow.manifest import check_manifest
from borderflow.runfolder import MARKER, OutputError, claim, read_marker

WRITER = Path(__file__).with_name("fault_writer.py")
#: every run of a command here must end well within this (a hang is a failure)
TIMEOUT_S = 300


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (FAULT_ENV, TRACE_ENV, ACTION_ENV)}
    return {**env, **extra}


def _complete(folder: Path) -> bool:
    """A folder borderflow finished: marked complete, every file as its manifest says."""
    marker = read_marker(folder)
    return bool(marker) and marker["complete"] and not check_manifest(
        folder, expected_sha256=marker["manifest_sha256"], exclude=(MARKER,))


def _state(out: Path, old: dict | None) -> str:
    """``absent``, ``old`` (byte for byte), ``new`` (complete) or ``torn``."""
    if not os.path.lexists(out):
        return "absent"
    if old is not None and _tree(out) == old:
        return "old"
    return "new" if _complete(out) else "torn"


def _leftovers(parent: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name not in keep)


# ------------------------------------------------------------------ runfolder: runs and sweeps
def _writer(kind: str, out: Path, version: str, fallback: bool, **env: str):
    args = [sys.executable, str(WRITER), kind, str(out), version]
    return subprocess.run(args + (["--fallback"] if fallback else []), env=_env(**env),
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False)


def _steps(kind: str, tmp: Path, fallback: bool) -> list[str]:
    trace = tmp / "trace.txt"
    out = tmp / "probe" / "out"
    out.parent.mkdir()
    assert _writer(kind, out, "old", fallback).returncode == 0  # an old folder to replace
    done = _writer(kind, out, "new", fallback, **{TRACE_ENV: str(trace)})
    assert done.returncode == 0, done.stderr
    return _occurrences(read_trace(trace))


def _occurrences(trace: list[str]) -> list[str]:
    """Every step of a trace as ``name#k`` (its k-th time): a kill target for each."""
    seen: dict[str, int] = {}
    out = []
    for step in trace:
        seen[step] = seen.get(step, 0) + 1
        out.append(f"{step}#{seen[step]}")
    return out


def _partitions_whole(out: Path) -> None:
    for part in (out / "scenarios").glob("scenario=*"):
        assert _complete(part), part


@pytest.mark.parametrize("fallback", [False, True], ids=["renameat2", "fallback"])
@pytest.mark.parametrize("kind", ["run", "sweep", "sweep-replace"])
def test_a_kill_at_any_step_loses_nothing(tmp_path, kind, fallback):
    steps = _steps(kind, tmp_path, fallback)
    must = {"run": {"run:locked", "run:staging-created", "run:manifest", "run:marker",
                    "run:swap", "run:swapped", "run:old-removed"},
            "sweep": {"sweep:locked", "sweep:opened-in-place", "run:swap", "sweep:manifest",
                      "sweep:marker"},
            "sweep-replace": {"sweep:staging-created", "sweep:swap", "sweep:swapped"}}[kind]
    names = {s.split("#")[0] for s in steps}
    assert must <= names, steps
    if fallback and kind != "sweep":
        assert any(s.endswith(":aside") for s in names)
    for k, step in enumerate(steps):
        base = tmp_path / f"s{k}"
        base.mkdir()
        (base / "data").mkdir()
        (base / "data" / "nodes.csv").write_text("node_id\nvn-o\n")
        (base / "notes.txt").write_text("the user's own file\n")
        out = base / "out"
        assert _writer(kind, out, "old", fallback).returncode == 0
        old = _tree(out)
        user = {p: p.read_bytes() for p in (base / "notes.txt", base / "data" / "nodes.csv")}
        killed = _writer(kind, out, "new", fallback, **{FAULT_ENV: step})
        assert killed.returncode == -signal.SIGKILL, (step, killed.stderr)
        state = _state(out, old)
        if kind == "sweep":  # written in place: always borderflow's, every scenario whole
            assert read_marker(out)["kind"] == "sweep", step
            _partitions_whole(out)
        elif fallback and ":aside#" in step:
            assert state == "absent", step  # the fallback's one gap: recovered on next start
            with claim(out, "sweep" if "sweep" in kind else "run"):
                assert _state(out, old) == "old", step
        else:
            assert state in ("old", "new"), (step, state)
        assert all(p.read_bytes() == b for p, b in user.items()), step
        again = _writer(kind, out, "new", fallback)
        assert again.returncode == 0, (step, again.stderr)
        assert _complete(out) and _tree(out) != old, step
        if "sweep" in kind:
            _partitions_whole(out)
            assert not list(out.rglob("*.tmp")), step
        assert _leftovers(base, {"data", "notes.txt", "out"}) == [], step


def test_a_stopped_writer_holds_its_folder_until_killed(tmp_path):
    out = tmp_path / "out"
    writer = subprocess.Popen([sys.executable, str(WRITER), "run", str(out), "new"],
                              env=_env(**{FAULT_ENV: "run:staging-created", ACTION_ENV: "stop"}))
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".out.bf-new-*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(OutputError, match=f"in use by another borderflow process "
                                              rf"\(pid {writer.pid}\)"), claim(out):
            pass
    finally:
        writer.kill()
        writer.wait(timeout=60)
    with claim(out) as target, target.replace() as tmp:  # the lock died with its holder
        (tmp / "a.csv").write_text("1\n")
    assert _leftovers(tmp_path, {"out"}) == []


# ------------------------------------------------------------------ the commands
SWEEP = """\
    scenarios:
      - {name: no-x1, events: [{crossing: x1}]}
      - {name: no-x2, events: [{crossing: x2}]}
"""


def _command(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*borderflow_command(), *args], env=_env(**env),
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False)


def _kinds(steps: list[str]) -> dict[str, str]:
    """The first occurrence of each kind of step (every ``:write:<file>`` is one kind)."""
    kinds: dict[str, str] = {}
    for s in steps:
        kinds.setdefault(s.split(":write:")[0].split("#")[0], s)
    return kinds


def _kill_everywhere(tmp_path: Path, args: list[str], out: Path, must: set[str],
                     pick: Callable[[list[str]], list[str]] | None = None) -> None:
    """Run ``args`` once traced, then killed at each step ``pick`` chooses from the trace
    (default: one of each kind, and the last file written); check the invariant after each
    kill, then that one more run repairs everything.

    Every single step of the writer, with and without renameat2, and a rerun after each, is
    :func:`test_a_kill_at_any_step_loses_nothing` (fast: no solving). Here each run solves, so
    the commands are killed at one step of each kind: enough to show that they write through
    the claimed writer and hold the invariant, at a cost CI can pay; a killed run's leftovers
    are cleaned by the next killed run's claim, and the final run must leave none."""
    trace = tmp_path / "trace.txt"
    done = _command(args, **{TRACE_ENV: str(trace)})
    assert done.returncode == 0, done.stderr
    steps = _occurrences(read_trace(trace))
    assert must <= {s.split("#")[0] for s in steps}, f"steps reported by the command: {steps}"
    if pick is None:
        writes = [s for s in steps if ":write:" in s]
        chosen = list(_kinds(steps).values()) + writes[-1:]
        steps = [s for s in steps if s in chosen]
    else:
        steps = pick(steps)
    parent = out.parent
    keep = set(os.listdir(parent))
    for step in steps:
        old = _tree(out) if out.exists() else None
        killed = _command(args, **{FAULT_ENV: step})
        assert killed.returncode == -signal.SIGKILL, (step, killed.stderr[-2000:])
        assert _state(out, old) in ("old", "new") or (old is None and not out.exists()), step
    again = _command(args)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _complete(out)
    assert sorted(set(os.listdir(parent)) - keep - {out.name}) == []


def test_solve_killed_at_every_step(tmp_path):
    data = _border_data(tmp_path, "data")
    out = tmp_path / "run"
    first = _command(["solve", "--data", str(data), "--out", str(out)])
    assert first.returncode == 0, first.stderr
    (tmp_path / "notes.txt").write_text("mine\n")
    before = _tree(data)
    _kill_everywhere(tmp_path, ["solve", "--data", str(data), "--out", str(out)], out,
                     {"run:locked", "run:staging-created", "run:write:flows.csv", "run:manifest",
                      "run:marker", "run:swap", "run:swapped", "run:old-removed"})
    assert _tree(data) == before and (tmp_path / "notes.txt").read_text() == "mine\n"


def _sweep(tmp_path: Path) -> tuple[Path, list[str]]:
    """The sweep folder and command line of a two-scenario sweep of the tiny dataset."""
    data = _border_data(tmp_path, "data")
    plan = tmp_path / "sweep.yaml"
    plan.write_text(textwrap.dedent(SWEEP))
    out = tmp_path / "sweep"
    return out, ["sweep", str(plan), "--data", str(data), "--out", str(out), "--workers", "1",
                 "--no-progress"]


def _while_building_and_at_the_swap(steps: list[str]) -> list[str]:
    """A sweep replaced whole: killed while its new folder is built (its first table), just
    before the swap and just after it."""
    kinds = _kinds(steps)
    return [kinds["sweep"], kinds["sweep:swap"], kinds["sweep:swapped"]]


def test_sweep_rerun_without_resume_keeps_the_old_sweep_until_the_new_one_is_whole(tmp_path):
    out, args = _sweep(tmp_path)
    first = _command(args)
    assert first.returncode == 0, first.stderr
    _kill_everywhere(tmp_path, args, out, {"sweep:locked", "sweep:staging-created",
                                           "sweep:write:plan.json", "sweep:swap",
                                           "sweep:swapped"},
                     pick=_while_building_and_at_the_swap)


def test_a_worker_killed_while_writing_leaves_no_torn_scenario(tmp_path):
    """A Dask worker killed in the middle of writing a scenario folder (its swap): the sweep
    goes on and ends whole, the scenario is reported failed, nothing half-written stays, and
    ``--resume`` solves what is missing."""
    out, args = _sweep(tmp_path)
    hit = _command(args, **{WORKER_FAULT_ENV: "run:swap",
                            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    assert hit.returncode == 0, hit.stderr[-2000:]
    assert "failed" in hit.stdout and not hit.stdout.startswith("0 solved, 0 failed")
    assert _complete(out)
    _partitions_whole(out)
    assert not list(out.rglob("*.tmp")), sorted(out.rglob("*.tmp"))
    resumed = _command([*args, "--resume"])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "0 failed" in resumed.stdout, resumed.stdout
    assert _complete(out) and len(list((out / "scenarios").glob("scenario=*"))) == 3
