"""``sdssim validate``: check scenario files without running them."""

from __future__ import annotations

import click

from sdssim.cli.group import EXIT_INVALID, EXIT_OK, err

__all__ = ["validate_cmd"]


@click.command("validate")
@click.argument("paths", metavar="SCENARIO...", nargs=-1, required=True)
def validate_cmd(paths: tuple[str, ...]) -> int:
    """Check scenario files without running them."""
    from sdssim.errors import ScenarioError
    from sdssim.scenario import load

    code = EXIT_OK
    for path in paths:
        try:
            load(path)
        except ScenarioError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            code = EXIT_INVALID
        except UnicodeDecodeError as exc:
            err(f"cannot read {path!r}: not UTF-8 text (byte {exc.start})")
            code = EXIT_INVALID
        except IsADirectoryError:
            err(f"cannot read {path!r}: it is a directory")
            code = EXIT_INVALID
        except OSError as exc:
            err(f"cannot read {path!r}: {exc.strerror or exc}")
            code = EXIT_INVALID
        else:
            click.echo(f"{path}: ok")
    return code

