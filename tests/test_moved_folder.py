"""A run folder stays readable when it is moved (borderflow/io.py ``_locate``): to another folder
with its dataset, or to another machine whose embedded dataset is somewhere else.

``run.json`` names its inputs as the run saw them: relative to the working directory when that
is above them, else absolute. A folder read after a move finds a name that is no longer there by
its trailing parts under the working directory, the run folder's parents and the embedded
dataset's package folder, accepting a file only with the SHA-256 ``run.json`` records.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import tiny

import borderflow as bf
from borderflow.data.errors import InputError
from borderflow.data.loaders import default_data_dir, sha256_file
from borderflow.io import _locate, changed_inputs, find_inputs


@pytest.fixture
def moved(tmp_path, monkeypatch):
    """The tiny network solved from a working directory beside (not above) the project, so
    ``run.json`` names its inputs by absolute paths; then the whole project moved elsewhere.
    Returns (old project, moved run folder, the run's objective)."""
    project = tmp_path / "proj"
    ds = bf.load_dataset(tiny.write(project / "data"), check_borders=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    res = bf.solve(ds)
    res.write(project / "runs" / "base")
    inputs = json.loads((project / "runs" / "base" / "run.json").read_text())["inputs"]
    assert all(Path(f).is_absolute() for files in inputs.values() for f in files)
    target = tmp_path / "other" / "proj"
    shutil.move(project, target)
    return project, target / "runs" / "base", res.summary["objective_usd"]


def test_a_folder_moved_with_its_dataset_reads_and_verifies(moved):
    old, folder, objective = moved
    assert not old.exists()
    again = bf.read_result(folder)
    assert again.dataset.sources["crossings"][0].endswith("proj/data/crossings.csv")
    data, overlays = find_inputs(folder, again.metadata)
    assert data == folder.parent.parent / "data" and overlays == []
    assert changed_inputs(folder, again.metadata) == []
    report = again.verify()
    assert report["ok"].all() and "input_checksum" in set(report["check"])
    assert bf.verify_run(folder)["ok"].all()
    assert again.summary["objective_usd"] == objective


def test_a_moved_folder_takes_no_file_of_another_content(moved):
    """The moved dataset's crossings.csv edited: its name still fits, its SHA-256 does not, so
    the input is not found (pass --data), never silently replaced."""
    _, folder, _ = moved
    crossings = folder.parent.parent / "data" / "crossings.csv"
    crossings.write_text(crossings.read_text() + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="crossings.csv' not found"):
        find_inputs(folder, bf.read_result(folder).metadata)


def test_the_embedded_dataset_of_another_install_is_this_installs(tmp_path):
    """A folder solved on another machine names the embedded dataset by that machine's
    absolute path: it is found in this install's, by its SHA-256; changed since, by its folder
    and file name (and reported as changed)."""
    here = default_data_dir() / "crossings.csv"
    there = "/nonexistent/venv/lib/site-packages/borderflow/data/default/crossings.csv"
    assert _locate(tmp_path, there, sha256_file(here)) == here
    assert _locate(tmp_path, there, "0" * 64) == here
    assert _locate(tmp_path, "/nonexistent/mydata/crossings.csv", "0" * 64) is None


def test_run_json_records_each_input_relative_to_the_folder(tmp_path, monkeypatch):
    """Solved from a working directory beside the project (absolute names), the project then
    moved under a folder of another name and depth: ``input_paths_from_folder`` names
    ``../../data/<file>`` for every input, and the moved folder reads and verifies."""
    project = tmp_path / "proj"
    ds = bf.load_dataset(tiny.write(project / "data"), check_borders=False)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    bf.solve(ds).write(project / "runs" / "base")
    meta = json.loads((project / "runs" / "base" / "run.json").read_text())
    rel = meta["input_paths_from_folder"]
    assert sorted(rel) == sorted(meta["input_sha256"])
    assert sorted(rel.values()) == sorted(f"../../data/{Path(f).name}" for f in rel)
    target = tmp_path / "a" / "b" / "renamed"
    shutil.move(project, target)
    folder = target / "runs" / "base"
    assert find_inputs(folder, meta) == (target / "data", [])
    assert changed_inputs(folder, meta) == []
    assert bf.verify_run(folder)["ok"].all()


def test_a_file_is_found_by_its_path_from_the_folder_alone(tmp_path):
    """A dataset beside no parent of the run folder (``../../elsewhere/d``), its recorded name
    gone: found by the relative path with the recorded SHA-256 (or none recorded); not with
    another SHA-256, and not without the relative path (an old folder: the search by trailing
    parts looks under the folder's parents only)."""
    run = tmp_path / "runs" / "base"
    run.mkdir(parents=True)
    (tmp_path / "elsewhere" / "d").mkdir(parents=True)
    (tmp_path / "elsewhere" / "d" / "c.csv").write_text("a\n1\n")
    sha = sha256_file(tmp_path / "elsewhere" / "d" / "c.csv")
    rel = "../../elsewhere/d/c.csv"
    assert _locate(run, "/gone/d/c.csv", sha, rel) == tmp_path / "elsewhere" / "d" / "c.csv"
    assert _locate(run, "/gone/d/c.csv", None, rel) == tmp_path / "elsewhere" / "d" / "c.csv"
    assert _locate(run, "/gone/d/c.csv", "0" * 64, rel) is None
    assert _locate(run, "/gone/d/c.csv", sha) is None
