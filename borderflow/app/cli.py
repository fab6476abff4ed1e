"""``borderflow app``: serve the workbench (registered on the main command line by
:func:`register`; FastAPI and uvicorn are imported only when the command runs)."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import typer

LOCAL = "127.0.0.1"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


RunsOpt = typer.Option(Path("runs"), "--runs", help="Runs folder: the app reads and writes only "
                                                    "inside it.")
DataOpt = typer.Option(None, "--data", help="Dataset folder (default: the embedded dataset).")
OverlayOpt = typer.Option(None, "--overlay", help="Folder of rows that add to or replace the "
                                                  "dataset's rows (repeatable).")


def app_command(
    runs: Path = RunsOpt,
    host: str = typer.Option(LOCAL, "--host", help="Address to listen on (default: this "
                                                   "machine only)."),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="Port."),
    data: Path | None = DataOpt,
    overlay: list[Path] | None = OverlayOpt,
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes solving runs "
                                                            "(one run each at a time)."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline",
                                  help="Solve the reference baseline at start if the runs "
                                       "folder has none."),
) -> None:
    """Serve the analyst's workbench in the browser (http://127.0.0.1:8050): the network on a
    map, a what-if builder, a run queue, results, sweeps, comparisons and downloads. Works
    offline. Runs are written to the runs folder as `borderflow solve --gis` writes them."""
    from rich.console import Console
    from rich.markup import escape

    from borderflow.data.errors import InputError

    out, err = Console(), Console(stderr=True)
    if runs.is_symlink() or (runs.exists() and not runs.is_dir()):
        err.print(f"[bold red]error:[/] --runs {escape(str(runs))}: must be a folder, not a "
                  "file or a symbolic link", highlight=False)
        raise typer.Exit(2)
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        err.print(f"[bold red]error:[/] --port {port}: cannot listen on {escape(host)}:{port} "
                  f"({escape(exc.strerror or str(exc))})", highlight=False)
        raise typer.Exit(2)
    import uvicorn

    from borderflow.app.server import Workbench, create_app

    try:
        bench = Workbench(runs, data, overlay or (), workers=workers, baseline=baseline)
    except InputError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    if not _is_loopback(host):
        err.print(f"[yellow]warning:[/] listening on {escape(host)}: anyone who reaches this "
                  "machine can run scenarios and read the runs folder", highlight=False)
    shown = f"[{host}]" if ":" in host else host
    out.print(f"borderflow workbench on [bold]http://{shown}:{port}[/] (runs folder "
              f"{escape(str(bench.root))}; Ctrl+C stops it)", highlight=False)
    try:
        uvicorn.run(create_app(bench), host=host, port=port, log_level="warning")
    finally:
        bench.queue.close()


def register(app: typer.Typer) -> None:
    """Add the ``app`` command to the ``borderflow`` command line."""
    app.command("app")(app_command)
