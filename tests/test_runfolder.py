"""The safe output-folder writer (borderflow.runfolder), its manifest, the YAML reader's limits
and the scheduler probe, tested as units (the command line wiring: test_out_safety.py).

Nothing here writes outside ``tmp_path``; devices are never touched (a FIFO and symbolic links
stand in for them).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import time
from pathlib import Path

import pytest
from borderflow.data.errors import InputError
from borderflow.data.yaml_safe import MAX_YAML_NODES, load_yaml

from borderflow import atomicfs, runfolder
from borderflow.manifest import MANIFEST, build_manifest, check_manifest, column_coverage
from borderflow.probe import probe_scheduler
from borderflow.runfolder import MARKER, OutputError, claim, read_marker


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _write(out: Path, files: dict[str, str], kind: str = "run", **kw) -> None:
    with claim(out, kind, **kw) as target, target.replace() as tmp:
        for name, text in files.items():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp / name).write_text(text)


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------- writing
def test_a_new_folder_is_marked_listed_and_alone(cwd):
    out = cwd / "runs" / "base"
    _write(out, {"flows.csv": "arc_id,flow_t\nl1,1\n", "summary.json": "{}\n"})
    marker = read_marker(out)
    assert marker["kind"] == "run" and marker["complete"] is True
    assert check_manifest(out, expected_sha256=marker["manifest_sha256"],
                          exclude=(MARKER,)) == []
    assert sorted(os.listdir(out)) == sorted([MARKER, MANIFEST, "flows.csv", "summary.json"])
    assert _siblings(out) == []  # no temporary folder, no lock file left


def test_a_rerun_replaces_its_own_folder_whole(cwd):
    out = cwd / "run"
    _write(out, {"a.csv": "1\n", "old-only.csv": "x\n"})
    _write(out, {"a.csv": "2\n"})
    assert (out / "a.csv").read_text() == "2\n" and not (out / "old-only.csv").exists()
    assert _siblings(out) == []


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_modes_follow_the_umask(cwd, umask):
    old = os.umask(umask)
    try:
        _write(cwd / "run", {"t.csv": "1\n", "sub/u.json": "{}\n"})
    finally:
        os.umask(old)
    for p in [cwd / "run", *(cwd / "run").rglob("*")]:
        want = (0o777 if p.is_dir() else 0o666) & ~umask
        assert stat.S_IMODE(p.stat().st_mode) == want, (p, oct(p.stat().st_mode))


def test_an_empty_folder_may_be_the_target(cwd):
    (cwd / "run").mkdir()
    _write(cwd / "run", {"a.csv": "1\n"})
    assert read_marker(cwd / "run")["kind"] == "run"


def test_missing_parents_are_created_and_removed_again_on_failure(cwd):
    with pytest.raises(InputError), claim(cwd / "a" / "b" / "run"):
        raise InputError(runfolder.Problem("x.csv", 1, "f", "bad"))
    assert not (cwd / "a").exists()
    _write(cwd / "a" / "b" / "run", {"a.csv": "1\n"})
    assert (cwd / "a" / "b" / "run" / "a.csv").exists()


# ---------------------------------------------------------------------------- refusals
def _foreign(cwd: Path) -> Path:
    (cwd / "U").mkdir()
    (cwd / "U" / "thesis.txt").write_text("four years of work\n")
    return cwd / "U"


def _legacy(cwd: Path) -> Path:
    (cwd / "old").mkdir()
    for name in ("summary.json", "run.json", "flows.csv"):
        (cwd / "old" / name).write_text("{}\n")
    return cwd / "old"


def _plain_file(cwd: Path) -> Path:
    (cwd / "notes.txt").write_text("keep me\n")
    return cwd / "notes.txt"


def _fifo(cwd: Path) -> Path:
    os.mkfifo(cwd / "null")  # a stand-in for /dev/null: a special file, not a folder
    return cwd / "null"


def _link_to_fifo(cwd: Path) -> Path:
    os.mkfifo(cwd / "pipe")
    os.symlink(cwd / "pipe", cwd / "null")
    return cwd / "null"


def _link_to_run(cwd: Path) -> Path:
    _write(cwd / "real", {"a.csv": "1\n"})
    os.symlink(cwd / "real", cwd / "latest")
    return cwd / "latest"


def _data_folder(cwd: Path) -> Path:
    (cwd / "data").mkdir()
    (cwd / "data" / "nodes.csv").write_text("node_id\n")
    return cwd / "data"


def _inside_data(cwd: Path) -> Path:
    _data_folder(cwd)
    return cwd / "data" / "runs" / "base"


def _around_data(cwd: Path) -> Path:
    _write(cwd / "proj", {"a.csv": "1\n"})
    (cwd / "proj" / "data").mkdir()
    return cwd / "proj"


def _sweep_folder(cwd: Path) -> Path:
    _write(cwd / "sweep", {"plan.json": "{}\n"}, kind="sweep")
    return cwd / "sweep"


def _under_a_file(cwd: Path) -> Path:
    (cwd / "runs").write_text("not a folder\n")
    return cwd / "runs" / "base"


REFUSED = {
    "folder holding a user's file": (_foreign, "holds files borderflow did not write"),
    "run folder of an older borderflow (no marker)": (_legacy, "older borderflow"),
    "plain file": (_plain_file, "is a file, not a folder"),
    "FIFO (a device stand-in)": (_fifo, "named pipe"),
    "symbolic link to a FIFO": (_link_to_fifo, "symbolic link"),
    "symbolic link to a run folder": (_link_to_run, "symbolic link"),
    "the --data folder": (_data_folder, "--data"),
    "inside the --data folder": (_inside_data, "inside the path given with --data"),
    "a folder containing --data": (_around_data, "contains"),
    "a sweep folder for a run": (_sweep_folder, "holds a borderflow sweep folder, not a run"),
    "parent is a file": (_under_a_file, "is a file, not a folder"),
    "current folder": (lambda cwd: Path("."), "current folder"),
    "empty string": (lambda cwd: "", "current folder"),
    "parent of the current folder": (lambda cwd: Path(".."), "contains it"),
    "root": (lambda cwd: Path("/"), "contains it"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_borderflow_did_not_make_is_refused_and_left_alone(cwd, name):
    make, words = REFUSED[name]
    out = make(cwd)
    (cwd / "data").mkdir(exist_ok=True)
    before = {p.name: (p.lstat().st_mode, p.read_bytes() if p.is_file() and not
                       stat.S_ISFIFO(p.lstat().st_mode) else None)
              for p in cwd.rglob("*") if not p.is_symlink()}
    protected = {"--data": cwd / "data", "--overlay": cwd / "proj" / "data"}
    with pytest.raises(OutputError) as err, claim(out, "run", protected=protected):
        pytest.fail("claimed")
    message = str(err.value)
    assert "field '--out'" in message and words in message, message
    assert "\n" not in message
    after = {p.name: (p.lstat().st_mode, p.read_bytes() if p.is_file() and not
                      stat.S_ISFIFO(p.lstat().st_mode) else None)
             for p in cwd.rglob("*") if not p.is_symlink()}
    assert after == before


def test_a_repeated_option_protects_each_path(cwd):
    (cwd / "o1").mkdir()
    (cwd / "o2").mkdir()
    with pytest.raises(OutputError, match=r"inside the path given with --overlay \(o2\)"), \
            claim(cwd / "o2" / "run", protected=[("--overlay", cwd / "o1"),
                                                 ("--overlay", cwd / "o2")]):
        pass


def test_refusals_are_counted():
    assert len(REFUSED) >= 15


# ---------------------------------------------------------------------------- lock
def test_a_second_writer_is_told_the_folder_is_in_use(cwd):
    in_use = rf"in use by another borderflow process \(pid {os.getpid()}\)"
    with claim(cwd / "run"), pytest.raises(OutputError, match=in_use), claim(cwd / "run"):
        pass
    with claim(cwd / "run"):  # released
        pass
    assert _siblings(cwd / "run") == []


def test_an_unwritable_parent_is_refused_before_anything(cwd, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args, **kw):
        if str(path).endswith(".bf.lock"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(runfolder.os, "open", read_only)
    with pytest.raises(OutputError, match="Read-only file system"), claim(cwd / "run"):
        pass
    assert not (cwd / "run").exists()


# ---------------------------------------------------------------------------- failures, leftovers
def test_a_write_failure_replaces_nothing(cwd):
    _write(cwd / "run", {"a.csv": "old\n"})
    before = _tree(cwd / "run")
    full = r"No space left on device \(ENOSPC\); nothing was replaced"
    with pytest.raises(OutputError, match=full), claim(cwd / "run") as target, \
            target.replace() as tmp:
        (tmp / "a.csv").write_text("new\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert _tree(cwd / "run") == before and _siblings(cwd / "run") == []


def test_leftovers_of_killed_writers_are_removed_and_nothing_else(cwd):
    _write(cwd / "run", {"a.csv": "1\n"})
    stale = [cwd / ".run.bf-new-0123abcd.tmp", cwd / ".run.bf-old-89abcdef.tmp",
             cwd / ".run.k2j4_9zq.tmp", cwd / ".run.old-4242"]
    for p in stale:
        p.mkdir()
        (p / "flows.csv").write_text("half\n")
    keep = [cwd / ".other.bf-new-0123abcd.tmp", cwd / "notes.txt", cwd / ".run.backup"]
    keep[0].mkdir()
    keep[1].write_text("mine\n")
    keep[2].mkdir()
    _write(cwd / "run", {"a.csv": "2\n"})
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in keep)


@pytest.mark.parametrize("old_name", [".run.bf-old-0badc0de.tmp", ".run.old-1234"])
def test_a_folder_left_aside_by_a_killed_swap_is_restored(cwd, old_name):
    _write(cwd / "run", {"a.csv": "old\n"})
    os.rename(cwd / "run", cwd / old_name)  # killed between the fallback's two renames
    with claim(cwd / "run"):
        assert (cwd / "run" / "a.csv").read_text() == "old\n"
    assert not (cwd / old_name).exists()


def test_the_fallback_swap_without_renameat2(cwd, monkeypatch):
    monkeypatch.setattr(atomicfs, "_RENAMEAT2", None)
    _write(cwd / "run", {"a.csv": "1\n"})
    _write(cwd / "run", {"a.csv": "2\n"})
    assert (cwd / "run" / "a.csv").read_text() == "2\n" and _siblings(cwd / "run") == []


def test_the_exchange_keeps_the_target_present(cwd):
    """RENAME_EXCHANGE swaps two names in one step (where the kernel offers it)."""
    (cwd / "a").mkdir()
    (cwd / "b").mkdir()
    (cwd / "a" / "x").write_text("a")
    try:
        atomicfs.renameat2(cwd / "a", cwd / "b", 2)
    except atomicfs.RenameUnsupported:
        pytest.skip("renameat2 is not available here (the fallback is tested above)")
    assert (cwd / "b" / "x").read_text() == "a" and not (cwd / "a" / "x").exists()


def test_a_sweep_written_in_place(cwd):
    out = cwd / "sweep"
    with claim(out, "sweep") as target:
        folder = target.open_in_place()
        assert read_marker(folder) == {**read_marker(folder), "kind": "sweep", "complete": False}
        (folder / "scenarios").mkdir()
        with runfolder.replace_folder(folder / "scenarios" / "scenario=a") as tmp:
            (tmp / "flows.csv").write_text("1\n")
        (folder / "scenarios" / ".scenario=b.bf-new-00000000.tmp").mkdir()  # a killed worker
        target.finish_in_place()
    marker = read_marker(out)
    assert marker["complete"] is True
    assert check_manifest(out, expected_sha256=marker["manifest_sha256"],
                          exclude=(MARKER,)) == []
    with claim(out, "sweep") as target:  # resumed: the killed worker's folder goes
        target.open_in_place()
        assert not (out / "scenarios" / ".scenario=b.bf-new-00000000.tmp").exists()
        assert (out / "scenarios" / "scenario=a" / "flows.csv").exists()


# ---------------------------------------------------------------------------- manifest
def test_the_manifest_tells_every_edit(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "flows.csv").write_text("arc_id,flow_t\nl1,1\n")
    (folder / "unserved.csv").write_text("t\n0\n")
    (folder / "summary.json").write_text(json.dumps({"objective_usd": 5, "solve_seconds": 1}))
    volatile = {"summary.json": ("solve_seconds",)}
    runfolder.write_manifest(folder, volatile=volatile)
    assert check_manifest(folder) == []
    (folder / "summary.json").write_text(json.dumps({"objective_usd": 5, "solve_seconds": 9}))
    assert check_manifest(folder) == []  # a wall-clock time is not a result
    (folder / "summary.json").write_text(json.dumps({"objective_usd": 6, "solve_seconds": 9}))
    (folder / "flows.csv").write_text("arc_id,flow_t\nl1,2\n")
    (folder / "unserved.csv").unlink()
    (folder / "extra.csv").write_text("x\n")
    found = {(p.file, p.problem) for p in check_manifest(folder)}
    assert found == {("summary.json", "changed"), ("flows.csv", "changed"),
                     ("unserved.csv", "missing"), ("extra.csv", "added")}


def test_a_manifest_rewritten_to_match_is_told_by_the_marker(tmp_path):
    _write(tmp_path / "run", {"flows.csv": "1\n"})
    out = tmp_path / "run"
    (out / "flows.csv").write_text("2\n")
    (out / MANIFEST).write_text(json.dumps(build_manifest(out, exclude=(MANIFEST, MARKER))))
    sha = read_marker(out)["manifest_sha256"]
    assert [p.problem for p in check_manifest(out, expected_sha256=sha, exclude=(MARKER,))] \
        == ["changed"]
    (out / MANIFEST).unlink()
    assert [p.problem for p in check_manifest(out)] == ["no-manifest"]
    (out / MANIFEST).write_text("garbage")
    assert [p.problem for p in check_manifest(out)] == ["unreadable"]


def test_the_manifest_is_the_same_for_the_same_results(tmp_path):
    for name, seconds in (("a", 1.5), ("b", 7.25)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps({"x": 1,
                                                                  "solve_seconds": seconds}))
        runfolder.write_manifest(tmp_path / name, volatile={"summary.json": ["solve_seconds"]})
    assert (tmp_path / "a" / MANIFEST).read_bytes() == (tmp_path / "b" / MANIFEST).read_bytes()


def test_column_coverage_says_re_derived_or_checksum(tmp_path):
    pd = pytest.importorskip("pandas")
    folder = tmp_path / "run"
    folder.mkdir()
    df = pd.DataFrame({"arc_id": ["l1"], "flow_t": [1.0], "note": ["x"]})
    df.to_parquet(folder / "flows.parquet", index=False)
    df.to_csv(folder / "flows.csv", index=False)
    runfolder.write_manifest(folder)
    rows = {r["column"]: r["coverage"] for r in column_coverage(folder, {"flows": ["flow_t"]})}
    assert rows == {"arc_id": "checksum", "flow_t": "re-derived", "note": "checksum"}


# ---------------------------------------------------------------------------- YAML limits
def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_a_billion_laughs_is_refused_at_once(tmp_path):
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        text += f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]\n"
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=f"more than {MAX_YAML_NODES:,} YAML nodes"):
        load_yaml(_yaml(tmp_path, text))
    assert time.perf_counter() - t0 < 2.0


def test_aliases_and_merge_keys_within_the_limit_are_read(tmp_path):
    doc, _ = load_yaml(_yaml(tmp_path, "base: &b {crossing: x1, direction: a_to_b}\n"
                                       "events:\n  - *b\n  - {<<: *b, crossing: x2}\n"))
    assert doc["events"] == [{"crossing": "x1", "direction": "a_to_b"},
                             {"crossing": "x2", "direction": "a_to_b"}]


@pytest.mark.parametrize("text, words", [
    ("name: a\nevents: []\nname: b\n", "key 'name' appears twice in this mapping (lines 1 and 3)"),
    ("events:\n  - {crossing: x1, crossing: x2}\n", "key 'crossing' appears twice"),
    ("a: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels"),
    ("a: !!python/object/apply:os.system ['true']\n", "not allowed"),
    ("a: &a [*a]\n", "refers to its own parent"),
    ("a: [1, 2\n", "malformed YAML"),
])
def test_yaml_that_safe_loading_lets_through_is_refused(tmp_path, text, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_yaml(_yaml(tmp_path, text))


def test_yaml_size_limit_and_special_files(tmp_path):
    with pytest.raises(InputError, match="over the 0.001 MB limit"):
        load_yaml(_yaml(tmp_path, "a: " + "x" * 2000 + "\n"), max_bytes=1000)
    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(InputError, match="not a regular file"):
        load_yaml(tmp_path / "fifo.yaml")  # refused without opening: no wait
    with pytest.raises(InputError, match="is a folder"):
        load_yaml(tmp_path)


# ---------------------------------------------------------------------------- scheduler probe
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address, words", [
    ("not a url", "not a scheduler address"),
    ("", "not a scheduler address"),
    ("tcp://127.0.0.1", "missing port"),
    ("http://127.0.0.1:8786", "unknown transport 'http://'"),
    ("tcp://127.0.0.1:99999", "not between 1 and 65535"),
    ("tcp://no-such-host.invalid:8786", "unknown host"),
])
def test_scheduler_addresses_that_cannot_work(address, words):
    with pytest.raises(InputError, match=words) as err:
        probe_scheduler(address, timeout_s=2)
    assert "field '--scheduler'" in str(err.value)


def test_scheduler_probe_is_quick_when_nothing_listens():
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="cannot connect"):
        probe_scheduler(f"tcp://127.0.0.1:{_free_port()}", timeout_s=2)
    assert time.perf_counter() - t0 < 5


def test_scheduler_probe_accepts_a_listening_scheduler():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert probe_scheduler(f"127.0.0.1:{port}") == f"tcp://127.0.0.1:{port}"
