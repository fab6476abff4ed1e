"""``borderflow app``: serve the analyst's workbench (:mod:`borderflow.app`) in the browser.

The runs folder and the port are checked before the web stack is imported (one line naming
the option, exit 2)."""

from __future__ import annotations

from pathlib import Path

import typer

from . import display
from .common import DataOpt, OverlayOpt, _fail, app


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


RunsOpt = typer.Option(Path("runs"), "--runs", help="Runs folder: the app reads and writes "
                                                    "only inside it.")
HostOpt = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this "
                                                   "machine only).")
PortOpt = typer.Option(8050, "--port", min=1, max=65535, help="Port.")
AppWorkersOpt = typer.Option(1, "--workers", min=1, help="Worker processes solving runs (one "
                                                         "run each at a time).")
AppBaselineOpt = typer.Option(True, "--baseline/--no-baseline", help="Solve the reference "
                              "baseline at start if the runs folder has none.")


@app.command("app")
def app_cmd(runs: Path = RunsOpt, host: str = HostOpt, port: int = PortOpt,
            data: Path | None = DataOpt, overlay: list[Path] | None = OverlayOpt,
            workers: int = AppWorkersOpt, baseline: bool = AppBaselineOpt) -> None:
    """Serve the analyst's workbench in the browser (http://127.0.0.1:8050): the network on a
    map, a what-if builder, a run queue, results, sweeps, comparisons and downloads. Works
    offline. Runs are written to the runs folder as `borderflow solve --gis` writes them
    (docs/app.md)."""
    import socket

    from borderflow.data.errors import InputError, Problem

    if runs.is_symlink() or (runs.exists() and not runs.is_dir()):
        _fail(InputError(Problem("command line", None, "--runs", f"{runs}: must be a folder, "
                                 "not a file or a symbolic link")))
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        _fail(InputError(Problem("command line", None, "--port", f"cannot listen on "
                                 f"{host}:{port} ({exc.strerror or exc})")))
    import uvicorn  # the web stack only when the app runs

    from borderflow.app.server import Workbench, create_app

    try:
        bench = Workbench(runs, data, overlay or (), workers=workers, baseline=baseline)
    except InputError as err:
        _fail(err)
        return
    if not _is_loopback(host):
        display.warn(f"listening on {host}: anyone who reaches this machine can run "
                     "scenarios and read the runs folder")
    shown = f"[{host}]" if ":" in host else host
    display.say(f"borderflow workbench on http://{shown}:{port} (runs folder {bench.root}; "
                "Ctrl+C stops it)")
    try:
        uvicorn.run(create_app(bench), host=host, port=port, log_level="warning")
    finally:
        bench.queue.close()
