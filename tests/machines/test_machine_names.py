"""Machine names are declared once, in sdssim.machines; the CLI and the kit read them there."""

from click.testing import CliRunner

from sdssim.cli import main
from sdssim.clock import DEFAULT_START
from sdssim.engine import Simulation
from sdssim.machines import MACHINES
from sdssim.testing.invariants import ModelInvariants


def test_cli_diagram_accepts_exactly_the_declared_machines():
    param = next(p for p in main.commands["diagram"].params if p.name == "machine")
    assert tuple(param.type.choices) == MACHINES
    result = CliRunner().invoke(main, ["diagram", "no-such-machine"])
    assert result.exit_code != 0


def test_invariants_check_every_declared_machine():
    checker = ModelInvariants(Simulation())
    assert tuple(checker._tables) == MACHINES


def test_the_engine_default_start_is_the_declared_one():
    assert Simulation().now.isoformat().replace("+00:00", "Z") == DEFAULT_START
