"""Benchmark of the workbench (``borderflow app``) on the embedded dataset.

    python tests/benchmarks/app.py [--repeat 5]

Prints one JSON object:

- ``network_bytes`` / ``network_gzip_bytes``: the map's layers as the page loads them;
- ``page_ready_s``: navigation to the page's ready flag (``body[data-ready=1]``: network drawn,
  builder usable) in headless Chromium through Playwright, median of ``--repeat`` loads, and
  ``page_ready_js_s``: the same from the page's own clock (``performance.now()``);
- ``cli_whatif_s``: ``borderflow solve --close boten-mohan --gis`` (the same work the app does
  for a static what-if: scenario, baseline re-solve, comparison, verification, run folder,
  GeoPackage) as a user runs it, wall clock;
- ``app_whatif_s``: the same what-if through the app's API with the server already running:
  from the request to the answer's JSON (``/api/result``) in hand; ``app_overhead_s`` =
  ``app_whatif_s - cli_whatif_s`` (negative: the app is faster, its worker has the libraries
  and the dataset loaded).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def _exe() -> str:
    return shutil.which("borderflow") or str(Path(sys.executable).with_name("borderflow"))


def _call(url: str, doc: dict | None = None):
    req = urllib.request.Request(url, data=json.dumps(doc).encode() if doc is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as res:
        return res.read()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-app-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([_exe(), "app", "--runs", str(work / "runs"), "--port", str(port),
                             "--no-baseline"], stdout=subprocess.DEVNULL)
    try:
        while True:
            try:
                _call(url + "/api/status")
                break
            except OSError:
                time.sleep(0.2)
        raw = _call(url + "/api/network")
        out = {"bench": "app", "network_bytes": len(raw),
               "network_gzip_bytes": len(gzip.compress(raw))}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            walls, js = [], []
            for _ in range(args.repeat):
                page = browser.new_page(viewport={"width": 1400, "height": 860})
                t0 = time.perf_counter()
                page.goto(url)
                page.wait_for_selector("body[data-ready='1']")
                walls.append(time.perf_counter() - t0)
                js.append(page.evaluate("window.bfReadyMs") / 1000)
                page.close()
            browser.close()
        out["page_ready_s"] = round(statistics.median(walls), 3)
        out["page_ready_js_s"] = round(statistics.median(js), 3)
        yaml = "name: close-boten-mohan\nevents:\n  - {crossing: boten-mohan}\n"
        # the worker has loaded the dataset once the first job runs: warm it with a baseline
        job = json.loads(_call(url + "/api/runs", {"yaml": "name: warm\n",
                                                   "filename": "w.yaml"}))
        _wait(url, job["id"])
        t0 = time.perf_counter()
        job = json.loads(_call(url + "/api/runs", {"yaml": yaml, "filename": "c.yaml"}))
        _wait(url, job["id"])
        _call(url + f"/api/result?run={job['name']}")
        out["app_whatif_s"] = round(time.perf_counter() - t0, 2)
    finally:
        proc.terminate()
        proc.wait(20)
    t0 = time.perf_counter()
    subprocess.run([_exe(), "solve", "--close", "boten-mohan", "--gis", "--out",
                    str(work / "cli")], check=True, stdout=subprocess.DEVNULL)
    out["cli_whatif_s"] = round(time.perf_counter() - t0, 2)
    out["app_overhead_s"] = round(out["app_whatif_s"] - out["cli_whatif_s"], 2)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out))


def _wait(url: str, job_id: str) -> None:
    while True:
        job = next(j for j in json.loads(_call(url + "/api/jobs")) if j["id"] == job_id)
        if job["state"] in ("done", "failed", "cancelled"):
            if job["state"] != "done":
                raise SystemExit(f"job {job_id}: {job['state']} {job['error']}")
            return
        time.sleep(0.1)


if __name__ == "__main__":
    main()
