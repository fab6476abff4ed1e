"""The workbench's server without a browser: path safety, upload limits and validation, the run
queue (order, progress, cancel, crashes) and the JSON views. Nothing here solves a model: the
queue's worker is replaced by :func:`fake_work`, which reports stages and writes a folder."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from borderflow.app import paths
from borderflow.app.jobs import RunQueue, received
from borderflow.app.server import MAX_UPLOAD_BYTES, Workbench, create_app
from borderflow.cli import app as cli

BAD_YAML = "name: bad\nevents:\n  - {crossing: boten-mohn}\n"


def fake_work(data, overlays, tasks, events) -> None:
    """A worker that solves nothing: ``sleep:<s>`` in the YAML sleeps per stage, ``crash``
    exits the process, ``fail`` reports an error; else it writes ``summary.json``."""
    for job_id, text, _filename, out in received(tasks, events):
        if "crash" in text:
            os._exit(3)
        if "fail" in text:
            events.send(("failed", job_id, "error: it failed"))
            continue
        delay = float(m.group(1)) if (m := re.search(r"sleep:([0-9.]+)", text)) else 0.05
        assert Path(out).is_dir() and not any(Path(out).iterdir())  # reserved, empty
        for k, stage in enumerate(("scenario", "verify", "write")):
            events.send(("progress", job_id, stage, k, 3, f"stage {stage}"))
            time.sleep(delay)
        Path(out, "summary.json").write_text(json.dumps({"status": "optimal"}))
        events.send(("done", job_id, {"status": "optimal"}))


def _wait(queue: RunQueue, job_id: str, states=("done", "failed", "cancelled"),
          timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = next(j for j in queue.jobs() if j["id"] == job_id)
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


# ---- paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize("rel", ["/etc", "\\\\server\\x", "C:x", "..", "a/../b", "a/./b", ".hidden",
                                 "a//b", "a\\b", "name with space", "x\x00", "", "a/b/c/d/e",
                                 "~root"])
def test_components_refuse_unsafe_paths(rel):
    with pytest.raises(paths.Refused):
        paths.components(rel)


def test_inside_refuses_symlinks_and_escapes(tmp_path):
    root = tmp_path / "runs"
    (root / "ok" / "baseline").mkdir(parents=True)
    outside = tmp_path / "secret"
    outside.mkdir()
    (root / "link").symlink_to(outside)
    (root / "ok" / "inner").symlink_to(outside)
    root = root.resolve()
    assert paths.inside(root, "ok/baseline") == root / "ok" / "baseline"
    for rel in ("link", "ok/inner", "link/x", "missing"):
        with pytest.raises(paths.Refused):
            paths.inside(root, rel)
    assert paths.inside(root, "new-run", must_exist=False) == root / "new-run"
    (root / "ok" / "t.csv").write_text("a\n")
    (root / "ok" / "l.csv").symlink_to(outside / "x.csv")
    assert paths.file_in(root / "ok", "t.csv").name == "t.csv"
    for name in ("l.csv", "../t.csv", "t.exe", ".t.csv", "missing.csv"):
        with pytest.raises(paths.Refused):
            paths.file_in(root / "ok", name)


def test_free_name_never_reuses_a_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a-2").mkdir()
    assert paths.free_name(tmp_path, "a") == "a-3"
    assert paths.free_name(tmp_path, "b", taken={"b"}) == "b-2"
    assert paths.free_name(tmp_path, "c") == "c"


def test_a_reservation_is_an_empty_folder_the_app_created_and_only_that_is_released(
        tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    assert paths.reserve(tmp_path, "a") == "a-2" and (tmp_path / "a-2").is_dir()
    # another program takes the free name between the look and the mkdir: the next one is used
    real_mkdir = os.mkdir

    def racing_mkdir(path, *args):
        if Path(path).name == "b":
            real_mkdir(path)  # the other program
        return real_mkdir(path, *args)

    monkeypatch.setattr(os, "mkdir", racing_mkdir)
    assert paths.reserve(tmp_path, "b") == "b-2"
    monkeypatch.undo()
    (tmp_path / "a-2" / "result.csv").write_text("x\n")
    paths.release(tmp_path, "a-2")  # something was written there: kept
    paths.release(tmp_path, "b-2")
    assert (tmp_path / "a-2" / "result.csv").is_file() and not (tmp_path / "b-2").exists()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    paths.release(tmp_path, "link")
    assert (tmp_path / "link").is_symlink() and (tmp_path / "elsewhere").is_dir()


# ---- the queue -----------------------------------------------------------------------------
@pytest.fixture
def queue(tmp_path):
    q = RunQueue(tmp_path.resolve(), target=fake_work)
    yield q
    q.close()


def test_queue_runs_jobs_in_order_with_progress(queue, tmp_path):
    jobs = [queue.submit("s", f"name: s # sleep:0.1 {k}", "s.yaml") for k in range(3)]
    assert [j.name for j in jobs] == ["s", "s-2", "s-3"]  # queued names never collide
    seen_running = set()
    end = time.monotonic() + 60
    while time.monotonic() < end:
        states = {j["id"]: j for j in queue.jobs()}
        running = [j for j in states.values() if j["state"] == "running"]
        assert len(running) <= 1  # one worker: one job at a time
        seen_running |= {j["id"] for j in running}
        if all(states[j.id]["state"] == "done" for j in jobs):
            break
        time.sleep(0.02)
    done = {j["id"]: j for j in queue.jobs()}
    assert all(done[j.id]["state"] == "done" for j in jobs)
    assert done[jobs[0].id]["done"] == done[jobs[0].id]["total"] == 3
    finished = [queue.get(j.id).finished for j in jobs]
    assert finished == sorted(finished)
    assert all((tmp_path / j.name / "summary.json").is_file() for j in jobs)


def test_cancel_running_job_stops_its_worker_and_removes_its_folder(queue, tmp_path):
    slow = queue.submit("slow", "name: slow # sleep:30", "s.yaml")
    after = queue.submit("after", "name: after", "a.yaml")
    _wait(queue, slow.id, states=("running",))
    while not (tmp_path / "slow").exists():
        time.sleep(0.02)
    t0 = time.monotonic()
    job = queue.cancel(slow.id)
    assert job.state == "cancelled" and time.monotonic() - t0 < 10
    assert not (tmp_path / "slow").exists()
    assert _wait(queue, after.id)["state"] == "done"  # a fresh worker took the next job


def test_cancel_queued_job_and_report_failures_and_crashes(queue, tmp_path):
    first = queue.submit("first", "name: first # sleep:0.3", "f.yaml")
    queued = queue.submit("queued", "name: queued", "q.yaml")
    assert queue.cancel(queued.id).state == "cancelled"
    failing = queue.submit("failing", "name: fail", "x.yaml")
    crashing = queue.submit("crashing", "name: crash", "c.yaml")
    last = queue.submit("last", "name: last", "l.yaml")
    assert _wait(queue, first.id)["state"] == "done"
    assert _wait(queue, failing.id)["error"] == "error: it failed"
    crashed = _wait(queue, crashing.id)
    assert crashed["state"] == "failed" and "exit code 3" in crashed["error"]
    assert _wait(queue, last.id)["state"] == "done"
    assert not (tmp_path / "queued").exists()
    with pytest.raises(KeyError):
        queue.cancel("j999")


# ---- the server ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    bench = Workbench(runs, baseline=False, queue_options={"target": fake_work})
    with TestClient(create_app(bench)) as c:
        yield c, bench
    bench.queue.close()


def test_page_and_assets_are_served_and_offline(client):
    c, _ = client
    page = c.get("/")
    assert page.status_code == 200 and 'src="/static/app.js"' in page.text
    for path in ("/static/app.js", "/static/app.css", "/assets/leaflet/leaflet.js",
                 "/assets/leaflet/leaflet.css"):
        res = c.get(path)
        assert res.status_code == 200, path
        if path.startswith("/static"):  # nothing loaded from another host
            assert not re.search(r"(src|href|url)\s*[=(]\s*[\"']?https?://", res.text), path
    assert not re.search(r"(src|href)=\"https?://", page.text)


def test_network_payload_is_small_and_complete(client):
    c, bench = client
    res = c.get("/api/network", headers={"Accept-Encoding": "gzip"})
    net = res.json()
    assert len(bench.network.encode()) < 2_000_000
    assert len(net["crossings"]) == len(bench.tables.crossings)
    assert len(net["links"]) == len(bench.tables.links)
    boten = next(x for x in net["crossings"] if x["id"] == "boten-mohan")
    assert boten["name"] == "Boten–Mohan" and boten["cap_ab"] == 350
    assert boten["source"] and boten["quality"] in ("published", "estimate", "derived")
    assert all(len(str(v).split(".")[-1]) <= 4 for link in net["links"] for part in link["xy"]
               for xy in part for v in xy)


def test_bad_scenario_shows_the_clis_one_line_error(client, tmp_path, monkeypatch):
    c, _ = client
    res = c.post("/api/scenario/check", json={"yaml": BAD_YAML, "filename": "bad.yaml"})
    assert res.status_code == 400
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    out = CliRunner().invoke(cli, ["solve", "--scenario", "bad.yaml", "--out", "x"])
    assert out.exit_code == 2 and not Path("x").exists()
    cli_line = " ".join(out.output.split())
    assert res.json()["error"] == cli_line
    assert res.json()["error"].startswith("error: bad.yaml, row 3, field 'events[0].crossing'")
    ok = c.post("/api/scenario/check", json={"yaml": "name: a\nevents: [{crossing: boten-mohan}]",
                                             "filename": "a.yaml"})
    assert ok.status_code == 200 and ok.json()["name"] == "a"


@pytest.mark.parametrize("body, status, words", [
    ({"yaml": "x" * (MAX_UPLOAD_BYTES + 10), "filename": "big.yaml"}, 413, "larger than"),
    ({"yaml": "name: a", "filename": "a.exe"}, 400, ".yaml or .yml"),
    ({"yaml": "!!python/object/apply:os.system ['true']", "filename": "x.yaml"}, 400,
     "not allowed"),
    ({"yaml": 3, "filename": "x.yaml"}, 400, "must be text"),
    ({"yaml": "a: [", "filename": "C:\\fakepath\\m.yaml"}, 400, "m.yaml, row"),
])
def test_uploads_are_limited_and_validated(client, body, status, words):
    c, _ = client
    res = c.post("/api/scenario/check", json=body)
    assert res.status_code == status and words in res.json()["error"]


def test_run_folders_are_only_ever_under_the_runs_folder(client, tmp_path):
    c, bench = client
    for folder in ("../escape", "/tmp/x", "a/b", ".hidden"):
        res = c.post("/api/runs", json={"yaml": "name: a", "filename": "a.yaml",
                                        "folder": folder})
        assert res.status_code == 400, folder
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "summary.json").write_text("{}")
    (bench.root / "sneaky").symlink_to(secret)
    for url in ("/api/result?run=../secret", "/api/result?run=sneaky",
                f"/api/result?run={secret}", "/api/download?run=sneaky&what=gpkg",
                "/api/compare?a=sneaky&b=sneaky", "/api/sweep?folder=..%2F..",
                "/api/download?run=x&what=file&name=..%2F..%2Fetc%2Fpasswd"):
        res = c.get(url)
        assert res.status_code in (400, 404), url
        assert "error" in res.json()
    assert all(r["name"] != "sneaky" for r in c.get("/api/runs").json())


def test_submit_queues_and_lists_runs(client):
    c, bench = client
    res = c.post("/api/runs", json={"yaml": "name: quick\n", "filename": "q.yaml"})
    assert res.status_code == 200
    job = _wait(bench.queue, res.json()["id"])
    assert job["state"] == "done"
    assert any(r["name"] == "quick" and r["kind"] == "run" for r in c.get("/api/runs").json())
    bad = c.post("/api/runs", json={"yaml": BAD_YAML, "filename": "bad.yaml"})
    assert bad.status_code == 400 and "unknown crossing 'boten-mohn'" in bad.json()["error"]


def test_downloads_never_write_into_a_run_folder(tmp_path):
    """A run folder the CLI wrote (no GeoPackage, no PNG): its downloads are made in the app's
    own folder, and the run folder keeps exactly its files."""
    import pyogrio
    from helpers import border_data

    import borderflow as bf

    data = border_data(tmp_path, "data")  # the tiny network, its gates on the border
    ds = bf.load_dataset(data)
    runs = tmp_path / "runs"
    bf.solve(ds, bf.Scenario.closing(["x1"])).write(runs / "cli-run", baseline=True)
    before = sorted(p.relative_to(runs).as_posix() for p in (runs / "cli-run").rglob("*"))
    bench = Workbench(runs, data, baseline=False, queue_options={"target": fake_work})
    try:
        with TestClient(create_app(bench)) as c:
            gpkg = c.get("/api/download?run=cli-run&what=gpkg")
            assert gpkg.status_code == 200
            (tmp_path / "x.gpkg").write_bytes(gpkg.content)
            cr = pyogrio.read_dataframe(tmp_path / "x.gpkg", layer="crossings")
            assert cr.set_index("crossing_id").loc["x1", "flow_delta_trucks"] < -1
            zipped = c.get("/api/download?run=cli-run&what=geoparquet")
            assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
            png = c.get("/api/download?run=cli-run&what=png")
            assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
            result = c.get("/api/result?run=cli-run").json()
            assert result["has_baseline"] and result["reroute_by_product"]
            assert result["headline"].startswith("Against the undisrupted baseline the "
                                                 "scenario costs USD 1,000 per day")
            listed = {r["name"]: r for r in c.get("/api/runs").json()}
            assert set(listed) == {"cli-run"} and listed["cli-run"]["has_baseline"]
    finally:
        bench.queue.close()
    after = sorted(p.relative_to(runs).as_posix() for p in (runs / "cli-run").rglob("*"))
    assert after == before
    assert list((runs / ".borderflow-app").rglob("*.gpkg"))


def test_app_command_refuses_a_busy_port_and_a_symlinked_runs_folder(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = CliRunner().invoke(cli, ["app", "--port", str(port), "--runs",
                                       str(tmp_path / "r")])
    assert out.exit_code == 2 and "'--port'" in out.output and f":{port}" in out.output
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    out = CliRunner().invoke(cli, ["app", "--runs", str(tmp_path / "link")])
    assert out.exit_code == 2 and "symbolic link" in out.output
