"""``sdssim diagram`` and ``sdssim schema``: what the simulator declares, printed."""

from __future__ import annotations

import json

import click

from sdssim.cli.group import EXIT_OK
from sdssim.machines import MACHINES

__all__ = ["diagram_cmd", "schema_cmd"]


@click.command("diagram")
@click.argument("machine", metavar="MACHINE", type=click.Choice(MACHINES))
@click.option("--format", "fmt", type=click.Choice(("mermaid", "dot")), default="mermaid",
              show_default=True, help="Diagram language.")
def diagram_cmd(machine: str, fmt: str) -> int:
    """Print the state diagram of MACHINE (Mermaid or Graphviz dot)."""
    from sdssim.machines import to_dot, to_mermaid

    text = to_mermaid(machine) if fmt == "mermaid" else to_dot(machine)
    click.echo(text, nl=False)
    return EXIT_OK


@click.command("schema")
def schema_cmd() -> int:
    """Print the scenario JSON Schema."""
    from sdssim.scenario import schema

    click.echo(json.dumps(schema(), indent=2))
    return EXIT_OK

