"""``--out`` through the command line: borderflow writes only folders it made, one writer at a
time, with the umask's modes, and a disk that fails mid-write replaces nothing.

Each refusal must end with exit 2 and one ``error:`` line naming ``--out``, leave the path and
everything around it byte for byte as it was, and come before any solving. Devices are never
touched: a FIFO and symbolic links stand in for ``/dev/null``.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest
from clitools import borderflow_command, invoke
from helpers import border_data as _border_data
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.runfolder import claim


def _snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root``: its type, mode and bytes (FIFOs and links not opened)."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        body = p.read_bytes() if stat.S_ISREG(st.st_mode) else (
            os.readlink(p) if stat.S_ISLNK(st.st_mode) else None)
        out[p.relative_to(root).as_posix()] = (stat.S_IFMT(st.st_mode),
                                               stat.S_IMODE(st.st_mode), body)
    return out


def _one_error(output: str) -> str:
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A working folder with the tiny dataset, a user's folder and a user's file."""
    monkeypatch.chdir(tmp_path)
    data = _border_data(tmp_path, "data")
    (tmp_path / "U").mkdir()
    (tmp_path / "U" / "thesis.txt").write_text("four years of work\n")
    (tmp_path / "notes.txt").write_text("keep me\n")
    return tmp_path, data


def _fifo(tmp: Path) -> str:
    os.mkfifo(tmp / "null")
    return "null"


def _link_to_fifo(tmp: Path) -> str:
    os.mkfifo(tmp / "pipe")
    os.symlink(tmp / "pipe", tmp / "devnull")
    return "devnull"


def _link_to_folder(tmp: Path) -> str:
    os.symlink(tmp / "U", tmp / "latest")
    return "latest"


def _legacy_run(tmp: Path) -> str:
    (tmp / "old").mkdir()
    for name in ("summary.json", "run.json", "flows.csv"):
        (tmp / "old" / name).write_text("{}\n")
    return "old"


#: name -> (what to pass as --out, words the message must hold)
REFUSALS = {
    "a user's folder with files": (lambda tmp: "U", "holds files borderflow did not write"),
    "the --data folder": (lambda tmp: "data", "--data"),
    "a folder inside --data": (lambda tmp: "data/runs", "--data"),
    "a FIFO (as /dev/null would be)": (_fifo, "named pipe"),
    "a symbolic link to a FIFO": (_link_to_fifo, "symbolic link"),
    "a symbolic link to a folder": (_link_to_folder, "symbolic link"),
    "a plain file": (lambda tmp: "notes.txt", "is a file, not a folder"),
    "the current folder": (lambda tmp: ".", "current folder"),
    "an empty string": (lambda tmp: "", "current folder"),
    "the parent folder": (lambda tmp: "..", "current folder"),
    "a run folder of an older borderflow": (_legacy_run, "older borderflow"),
}


@pytest.mark.parametrize("command", ["solve", "reroute", "sweep"])
@pytest.mark.parametrize("name", list(REFUSALS))
def test_out_that_is_not_borderflows_is_refused(world, name, command):
    tmp, data = world
    make, words = REFUSALS[name]
    out = make(tmp)
    args = {"solve": ["solve", "--data", str(data)],
            "reroute": ["reroute", "--close", "x1", "--data", str(data)],
            "sweep": ["sweep", "--n-1", "--data", str(data), "--workers", "1",
                      "--no-progress"]}[command]
    before = _snapshot(tmp)
    result = invoke(CliRunner(), app, [*args, "--out", out], 60)
    assert result.exit_code == 2, result.output
    line = _one_error(result.output)
    assert "--out" in line and words in line, line
    assert "borderflow —" not in result.output  # refused before solving, nothing printed
    assert _snapshot(tmp) == before


def _solve(data: Path, out: Path, *extra: str):
    return invoke(CliRunner(), app, ["solve", "--data", str(data), "--out", str(out), *extra])


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_run_folders_follow_the_umask(world, umask):
    tmp, data = world
    old = os.umask(umask)
    try:
        result = _solve(data, tmp / "run")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    wrong = {p.name: oct(stat.S_IMODE(p.stat().st_mode))
             for p in [tmp / "run", *(tmp / "run").rglob("*")]
             if stat.S_IMODE(p.stat().st_mode) != (0o777 if p.is_dir() else 0o666) & ~umask}
    assert not wrong, f"modes other than the umask's: {wrong}"


def test_a_second_writer_is_told_the_folder_is_in_use(world):
    tmp, data = world
    assert _solve(data, tmp / "run").exit_code == 0
    before = _snapshot(tmp / "run")
    with claim(tmp / "run"):  # another borderflow process writing there
        result = _solve(data, tmp / "run")
    assert result.exit_code == 2, result.output
    line = _one_error(result.output)
    assert "--out" in line and "in use by another borderflow process" in line, line
    assert _snapshot(tmp / "run") == before


def test_a_second_sweep_is_told_the_folder_is_in_use(world):
    tmp, data = world
    with claim(tmp / "sweep", "sweep"):
        result = invoke(CliRunner(), app, ["sweep", "--n-1", "--data", str(data), "--out",
                                           str(tmp / "sweep"), "--workers", "1",
                                           "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "in use by another borderflow process" in _one_error(result.output)
    assert not (tmp / "sweep").exists()


def test_a_read_only_filesystem_is_refused_before_solving(world, monkeypatch):
    """``--out`` on a read-only filesystem (simulated: every folder or file created under
    ``ro/`` fails with EROFS, as a read-only mount does)."""
    tmp, data = world
    (tmp / "ro").mkdir()
    real_mkdir, real_open = os.mkdir, os.open

    def refuse(path) -> None:
        if str(Path(os.path.abspath(path))).startswith(str(tmp / "ro")):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    def mkdir(path, *args, **kw):
        refuse(path)
        return real_mkdir(path, *args, **kw)

    def open_(path, flags, *args, **kw):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)
    result = _solve(data, tmp / "ro" / "run")
    assert result.exit_code == 2, f"{result.output}\n{result.exception!r}"
    line = _one_error(result.output)
    assert "--out" in line and "Read-only file system" in line, line
    assert "borderflow —" not in result.output
    assert list((tmp / "ro").iterdir()) == []


def _limit_file_size(limit: int):
    def apply() -> None:  # in the child: writes past ``limit`` bytes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_that_fails_mid_write_replaces_nothing(world):
    """A full disk (stand-in: a 4 kB file-size limit, EFBIG, as ENOSPC would fail a write)
    while the new run is written: exit 2, one line, the previous run intact, no temp left."""
    tmp, data = world
    assert _solve(data, tmp / "run").exit_code == 0
    before = _snapshot(tmp)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([*borderflow_command(), "solve", "--data", str(data), "--out",
                             str(tmp / "run"), "--close", "x1"],
                            preexec_fn=_limit_file_size(4000), env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 2, result.stderr[-3000:]
    line = _one_error(result.stderr)
    assert "--out" in line and "could not be written" in line, line
    assert _snapshot(tmp) == before


def test_temporary_folders_of_killed_runs_are_cleaned_by_the_next(world):
    tmp, data = world
    assert _solve(data, tmp / "run").exit_code == 0
    stale = [tmp / ".run.bf-new-0123abcd.tmp", tmp / ".run.k2j4_9zq.tmp",
             tmp / ".run.bf-old-89abcdef.tmp"]
    for p in stale:
        p.mkdir()
        (p / "flows.csv").write_text("half written\n")
    assert _solve(data, tmp / "run").exit_code == 0
    assert not any(p.exists() for p in stale)
    assert sorted(p.name for p in tmp.iterdir()) == ["U", "data", "notes.txt", "run"]


def test_a_run_killed_between_renames_is_restored_by_the_next(world):
    """The old ``_swap_into_place`` left ``--out`` missing and the run as ``.run.old-PID``:
    the next command puts it back before it does anything else."""
    tmp, data = world
    assert _solve(data, tmp / "run").exit_code == 0
    os.rename(tmp / "run", tmp / ".run.old-4242")
    result = invoke(CliRunner(), app, ["verify", str(tmp / "run")])
    assert result.exit_code != 0  # nothing at --out yet
    assert _solve(data, tmp / "run", "--close", "x1").exit_code == 0
    assert not (tmp / ".run.old-4242").exists()


def test_a_sweep_never_deletes_finished_scenarios_unless_asked(world):
    """A sweep re-run without --resume over a finished one keeps every old scenario folder
    until the new sweep is whole (the killed case: test_faults.py); --resume keeps them."""
    tmp, data = world
    plan = tmp / "sweep.yaml"
    plan.write_text(textwrap.dedent("""\
        scenarios:
          - {name: no-x1, events: [{crossing: x1}]}
        """))
    args = ["sweep", str(plan), "--data", str(data), "--out", str(tmp / "sweep"),
            "--workers", "1", "--no-progress"]
    first = invoke(CliRunner(), app, args)
    assert first.exit_code == 0, first.output
    assert "0 kept from before" in first.output
    resumed = invoke(CliRunner(), app, [*args, "--resume"])
    assert resumed.exit_code == 0 and "0 solved" in resumed.output, resumed.output
    again = invoke(CliRunner(), app, args)
    assert again.exit_code == 0, again.output
    assert "0 kept from before" in again.output
    assert (tmp / "sweep" / ".borderflow-run.json").is_file()
