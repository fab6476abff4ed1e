"""The ``borderflow`` command line (typer): :mod:`~borderflow.cli.commands` parses each command and
calls the public API, :mod:`~borderflow.cli.display` prints what came back;
:mod:`~borderflow.cli.uncertainty_cmds` adds ``uncertainty`` and ``appraise``."""

from . import uncertainty_cmds  # noqa: F401  (registers its commands on app)
from .commands import app, data_app

__all__ = ["app", "data_app"]
