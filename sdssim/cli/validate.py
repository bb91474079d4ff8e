"""``sdssim validate``: check scenario files without running them."""

from __future__ import annotations

import click

from sdssim.cli.group import EXIT_INVALID, EXIT_OK, Fatal, err
from sdssim.cli.inputs import load_scenario

__all__ = ["validate_cmd"]


@click.command("validate")
@click.argument("paths", metavar="SCENARIO...", nargs=-1, required=True)
def validate_cmd(paths: tuple[str, ...]) -> int:
    """Check scenario files without running them."""
    code = EXIT_OK
    for path in paths:
        try:
            load_scenario(path)  # prints a scenario's problems itself
        except Fatal as exc:
            if exc.message:
                err(exc.message)
            code = EXIT_INVALID
        else:
            click.echo(f"{path}: ok")
    return code
