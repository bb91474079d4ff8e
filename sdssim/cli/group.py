"""The ``sdssim`` command group: exit codes, and every failure as one line.

Exit codes: 0 all expectations hold (or nothing to report), 1 an expectation
failed, 2 an invalid scenario or a usage error, 3 an internal error (a bug,
"please report"; also resource exhaustion, said as such), 130 interrupted.  Every
error is one ``sdssim: error: ...`` line on stderr (or, for a scenario, one
``FILE:LINE:COLUMN: message`` line per problem), never a traceback.  A command
stops with :class:`Fatal`; :class:`_Group` turns it (and anything else raised)
into the line and the exit code.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from rich.console import Console

from sdssim import __version__

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK",
           "Fatal", "cannot_read", "cannot_write", "err", "main", "new_console"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Fatal(Exception):
    """Stop with ``sdssim: error: <message>`` (none when empty) and an exit code."""

    def __init__(self, message: str, code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def err(message: str) -> None:
    click.echo(f"sdssim: error: {message}", err=True)


class _Group(click.Group):
    """A click group whose every failure is one readable line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # before click prints its blank line and raises Abort
            raise Fatal("interrupted", EXIT_INTERRUPTED) from None

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            code = super().main(args=args, prog_name=prog_name or "sdssim",
                                complete_var=complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            err(" ".join(exc.format_message().split()))
            code = EXIT_INVALID if isinstance(exc, click.UsageError) else exc.exit_code
        except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            err("interrupted")
            code = EXIT_INTERRUPTED
        except Fatal as exc:
            if exc.message:
                err(exc.message)
            code = exc.code
        except MemoryError:
            err("resource exhaustion: out of memory (the input asks for more than this "
                "machine has; make it smaller)")
            code = EXIT_INTERNAL
        except Exception as exc:  # a bug: one line, and the details on request
            if os.environ.get("SDSSIM_DEBUG"):
                raise
            err(f"internal error (a bug in sdssim, please report it): {type(exc).__name__}: "
                f"{str(exc)[:300]} (set SDSSIM_DEBUG=1 for the traceback)")
            code = EXIT_INTERNAL
        sys.exit(code if isinstance(code, int) else EXIT_OK)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="sdssim", message="%(prog)s %(version)s")
def main() -> None:
    """Deterministic simulator of School Data Sync profiles and Graph provisioning jobs."""


def cannot_write(path: str, exc: OSError) -> Fatal:
    """The failure to raise when ``path`` cannot be written: ``cannot write to 'PATH': why``."""
    return Fatal(f"cannot write to {path!r}: {exc.strerror or exc}")


def cannot_read(path: str, exc: OSError | UnicodeDecodeError) -> Fatal:
    """The failure to raise when the file ``path`` cannot be read as text."""
    if isinstance(exc, UnicodeDecodeError):
        return Fatal(f"cannot read {path!r}: not UTF-8 text (byte {exc.start})")
    if isinstance(exc, IsADirectoryError):
        return Fatal(f"cannot read {path!r}: it is a directory")
    return Fatal(f"cannot read {path!r}: {exc.strerror or exc}")


def new_console() -> Console:
    """The console every command prints with: no highlighting, no emoji, long lines kept."""
    return Console(highlight=False, soft_wrap=True, emoji=False)

