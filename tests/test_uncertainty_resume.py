"""``borderflow uncertainty --resume`` / ``bf.uncertainty(out=..., resume=True)``: an interrupted
run keeps the chunks of samples it solved (same design only) and its folder is byte-identical
to an uninterrupted run's; a folder of another kind is refused (one line, exit 2)."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
import uncertainty_data as ud
from clitools import borderflow_command
from helpers import border_data
from typer.testing import CliRunner

import borderflow as bf
from borderflow.cli import app
from borderflow.data.loaders import read_tables
from borderflow.faults import FAULT_ENV
from borderflow.runfolder import read_marker, write_marker
from borderflow.uncertainty import chunks
from borderflow.uncertainty.run import SAMPLES_DIR

N = 2 * chunks.CHUNK + 3  # three chunks, the last one short


class Interrupted(Exception):
    pass


def _files(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _count_chunks(monkeypatch, stop_after: int | None = None) -> list[str]:
    """Record each chunk written; raise :class:`Interrupted` after ``stop_after`` of them."""
    seen: list[str] = []

    def point(step: str) -> None:
        seen.append(step)
        if stop_after is not None and len(seen) >= stop_after:
            raise Interrupted(step)
    monkeypatch.setattr(chunks, "fault_point", point)
    return seen


def test_resumed_folder_is_byte_identical_and_another_seed_reuses_nothing(tmp_path,
                                                                           monkeypatch):
    tables = read_tables(ud.write(tmp_path / "ds"))
    scenario = bf.Scenario.closing(["x2"])
    kw = {"samples": N, "seed": 5, "sensitivity": "none"}
    whole = tmp_path / "whole"
    bf.uncertainty(tables, scenario, out=whole, **kw)
    assert read_marker(whole)["kind"] == "uncertainty" and not (whole / SAMPLES_DIR).exists()

    cut = tmp_path / "cut"
    _count_chunks(monkeypatch, stop_after=1)
    with pytest.raises(Interrupted):
        bf.uncertainty(tables, scenario, out=cut, **kw)
    assert read_marker(cut)["complete"] is False  # borderflow's, unfinished
    assert sorted(p.name for p in (cut / SAMPLES_DIR).glob("chunk-*.parquet")) == \
        ["chunk-00000.parquet"]

    written = _count_chunks(monkeypatch)
    bf.uncertainty(tables, scenario, out=cut, resume=True, **kw)
    assert len(written) == 2  # the first chunk was kept, two solved
    assert _files(cut) == _files(whole)

    # run again over the finished folder: it stays whole until the new one replaces it
    written = _count_chunks(monkeypatch)
    bf.uncertainty(tables, scenario, out=cut, **kw)
    assert written == [] and _files(cut) == _files(whole)
    # interrupted in place (--resume over a finished folder), then resumed with another
    # seed: nothing kept
    _count_chunks(monkeypatch, stop_after=2)
    with pytest.raises(Interrupted):
        bf.uncertainty(tables, scenario, out=cut, resume=True, **kw)
    written = _count_chunks(monkeypatch)
    bf.uncertainty(tables, scenario, out=cut, resume=True, **{**kw, "seed": 6})
    assert len(written) == 3


def test_cli_resume_after_a_kill_and_refusal_of_another_kind(tmp_path):
    data = border_data(tmp_path, "ds", ud.binding_tables())
    (data / "ranges.csv").write_text(ud.RANGES, encoding="utf-8")
    args = ["uncertainty", "--data", str(data), "--close", "x2", "--samples", str(N),
            "--seed", "2", "--sensitivity", "none"]
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    ok = CliRunner().invoke(app, [*args, "--out", str(whole)])
    assert ok.exit_code == 0, ok.output
    # killed (SIGKILL) right after writing its second chunk
    env = {**os.environ, FAULT_ENV: "uncertainty:chunk#2"}
    killed = subprocess.run([*borderflow_command(), *args, "--out", str(cut)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr
    assert len(list((cut / SAMPLES_DIR).glob("chunk-*.parquet"))) == 2
    resumed = CliRunner().invoke(app, [*args, "--out", str(cut), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert _files(cut) == _files(whole)

    # a run folder (another kind of borderflow folder) is not resumed: one line, exit 2
    other = tmp_path / "run"
    other.mkdir()
    write_marker(other, "run")
    before = _files(other)
    refused = CliRunner().invoke(app, [*args, "--out", str(other), "--resume"])
    assert refused.exit_code == 2
    assert "holds a borderflow run folder, not an uncertainty" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert _files(other) == before
