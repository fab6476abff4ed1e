"""The typer application class of the command line: how ``--help`` shows commands and flags.

Two things typer 0.2x shows as its authors never meant a reader to see them (issue 22, docs
drift): the built-in ``--help`` flag listed with a ``<bool>`` type (a flag takes no value; the
command's own flags pass ``metavar=""``, the built-in one cannot), and, in the list of commands
of ``rich`` markup mode, a docstring's first paragraph broken at the source's line ends. Commands
registered through :class:`App` show neither. They also answer Ctrl-C with one line and exit
130, SIGTERM (``kill PID``) with the same line and exit 143 (:class:`Command`), and a bad option
or argument with one line naming it and exit 2 (click's usage panel took six lines and a box for
``--window-days 0``).
"""

from __future__ import annotations

import inspect
import logging
import signal
import sys
import threading

import click
import typer
from typer.core import TyperCommand, TyperGroup

from borderflow.solvers.interrupt import Terminated, raise_terminated


def _help_flag_without_type(opt):
    """The help option with an empty metavar: its row in ``--help`` shows no ``<bool>``."""
    if opt is not None:
        opt.metavar = ""
    return opt


EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a command stopped by kill PID


def interrupted_line(params: dict, how: str = "Ctrl-C") -> str:
    """What a command stopped by Ctrl-C (or ``how``, e.g. ``SIGTERM``) says: nothing was
    written; for a command that keeps finished work for ``--resume`` (``sweep``,
    ``uncertainty``), where it is kept; for the workbench (``app``), where its runs are."""
    out = params.get("out")
    if "resume" in params and out is not None:
        return (f"stopped ({how}): what had finished is kept in {out}; run the same command "
                "with --resume to go on")
    if params.get("runs") is not None and "port" in params:
        return f"stopped ({how}): the workbench is closed; its runs are kept in {params['runs']}"
    return f"stopped ({how}): nothing was written"


def _quiet_while_interrupted(record: logging.LogRecord) -> bool:
    """A logging filter: drop records logged while a ``KeyboardInterrupt`` is being handled
    (Pyomo logs "Constructing component ... failed: KeyboardInterrupt" at ERROR level before
    it re-raises, which is not an error of the user's)."""
    kind = sys.exc_info()[0]
    return kind is None or not issubclass(kind, KeyboardInterrupt)


EXIT_USAGE = 2  # click's exit status for a bad command line, kept

# typer 0.2x carries its own copy of click (``typer._click``); older releases use click itself.
# The exception classes come from the module typer's own ``BadParameter`` is defined in.
_CLICK_ERRORS = sys.modules[typer.BadParameter.__module__]
_USAGE_ERRORS = tuple({click.UsageError, _CLICK_ERRORS.UsageError})
_NO_ARGS_IS_HELP = tuple({m.NoArgsIsHelpError for m in (click.exceptions, _CLICK_ERRORS)
                          if hasattr(m, "NoArgsIsHelpError")})


def usage_line(error: Exception) -> str:
    """One line for a bad command line: click's message on one line, and where help is."""
    text = " ".join(error.format_message().split())
    ctx = error.ctx
    if ctx is not None:
        text += f" (see '{ctx.command_path} --help')"
    return f"command line: {text}"


def _parse_or_one_line(parse, ctx, args):
    """Run click's ``parse_args``; a usage error (not the help shown for no arguments) prints
    :func:`usage_line` on stderr and exits :data:`EXIT_USAGE`."""
    try:
        return parse(ctx, args)
    except _NO_ARGS_IS_HELP:
        raise
    except _USAGE_ERRORS as e:
        from borderflow.cli import display

        display.error(usage_line(e))
        raise typer.Exit(EXIT_USAGE) from None


class Command(TyperCommand):
    """A command whose ``--help`` row shows no value type, and that answers Ctrl-C with one
    line and exit 130 instead of click's "Aborted!" and exit 1, and SIGTERM with the same line
    and exit 143 instead of dying without a word (the SIGTERM handler is
    :func:`borderflow.solvers.interrupt.raise_terminated` for the length of the command, in the
    main thread only)."""

    def get_help_option(self, ctx):  # noqa: D102 - click's API
        return _help_flag_without_type(super().get_help_option(ctx))

    def parse_args(self, ctx, args):  # noqa: D102 - click's API
        return _parse_or_one_line(super().parse_args, ctx, args)

    def invoke(self, ctx):  # noqa: D102 - click's API
        logging.getLogger("pyomo.core").addFilter(_quiet_while_interrupted)
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, raise_terminated) if main else None
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            from borderflow.cli import display

            terminated = isinstance(stop, Terminated)
            display.error(interrupted_line(ctx.params, "SIGTERM" if terminated else "Ctrl-C"),
                          "interrupted")
            raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)


class Group(TyperGroup):
    """A group (``borderflow``, ``borderflow data``) whose ``--help`` row shows no value type,
    and that names an unknown command or option in one line."""

    def get_help_option(self, ctx):  # noqa: D102 - click's API
        return _help_flag_without_type(super().get_help_option(ctx))

    def parse_args(self, ctx, args):  # noqa: D102 - click's API
        return _parse_or_one_line(super().parse_args, ctx, args)

    def resolve_command(self, ctx, args):  # noqa: D102 - click's API
        return _parse_or_one_line(lambda c, a: super(Group, self).resolve_command(c, a), ctx,
                                  args)


def first_paragraph(doc: str | None) -> str | None:
    """The first paragraph of a docstring on one line (what the list of commands shows).

    Parameters
    ----------
    doc : str or None
        The command function's docstring.

    Returns
    -------
    str or None
        Its first paragraph with the line ends replaced by spaces; None without a docstring.
    """
    if not doc:
        return None
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


class App(typer.Typer):
    """``typer.Typer`` whose commands are :class:`Command` (groups: pass ``cls=Group``) and list
    their first docstring paragraph on one line."""

    def command(self, *args, cls=None, short_help=None, **kwargs):
        """Register a command (``typer.Typer.command``, with this module's defaults)."""
        parent = super().command

        def register(f):
            text = short_help if short_help is not None else first_paragraph(f.__doc__)
            return parent(*args, cls=cls or Command, short_help=text, **kwargs)(f)

        return register
