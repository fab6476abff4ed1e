"""The ``borderflow`` command line (typer): :mod:`~borderflow.cli.commands` parses each command and
calls the public API, :mod:`~borderflow.cli.display` prints what came back."""

from .commands import app, data_app

__all__ = ["app", "data_app"]
