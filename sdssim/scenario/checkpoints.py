"""Checkpointed scenario runs: ``sdssim run --checkpoint-every``, ``sdssim resume``, branching.

A run with checkpoints keeps, in ``OUT/checkpoints/``, a manifest ``run.json``
(the scenario file and its SHA-256, the seed, ``--until``, the period) and a
checkpoint file ``NNNNNN.ckpt`` each time virtual time crosses a multiple of
the period after the start.  Each file holds the whole run: the simulation
*and* the runner (where in the timeline it is, the ids it gave each key, the
checks and log lines so far), written atomically.  :func:`resume` restores
the newest one and carries on, so a run killed at any moment finishes with
the same records, checks and outputs as a run never interrupted.

The scenario itself is not stored: it is read again from its file, and a file
changed since the run began is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable

from sdssim.clock import duration_us, format_timestamp, to_us
from sdssim.engine import checkpoint as ckpt
from sdssim.engine.checkpoint import CheckpointError

from .model import Scenario
from .results import MISSING, RunResult
from .runner import Progress, _Runner
from .times import parse_time

__all__ = ["CheckpointError", "CHECKPOINT_DIR", "MANIFEST", "branch_runner", "checkpoint_runner",
           "resume", "restore_runner", "run_with_checkpoints", "start_runner"]

CHECKPOINT_DIR = "checkpoints"
MANIFEST = "run.json"
KIND = "scenario-run"
_FILE = re.compile(r"^(\d{6})\.ckpt$")


def start_runner(scenario: Scenario, seed: int | None = None, until: object = None,
                 progress: Progress | None = None) -> _Runner:
    """A runner for ``scenario`` that has not begun (see :func:`sdssim.scenario.run`)."""
    stop = parse_time(until, scenario.start) if isinstance(until, str) else None
    if stop is not None and stop < scenario.start:
        raise ValueError(f"--until {format_timestamp(stop)} is before the scenario start "
                         f"{format_timestamp(scenario.start)}")
    return _Runner(scenario, scenario.seed if seed is None else seed, stop, progress)


def _symbols(runner: _Runner) -> dict[int, str]:
    out = {id(runner.scenario): "scenario", id(MISSING): "missing"}
    for name in ("progress", "on_slice"):
        value = getattr(runner, name)
        if value is not None:
            out[id(value)] = name
    on_record = runner.sim._core.on_record
    if on_record is not None:
        out[id(on_record)] = "on_record"
    return out


def checkpoint_runner(runner: _Runner, *, compress: bool = True) -> bytes:
    """The whole run (simulation and runner) as checkpoint bytes; the scenario is left out."""
    return ckpt.dumps(runner, kind=KIND, time_us=runner.sim.now_us,
                      symbols=_symbols(runner), compress=compress)


def restore_runner(data: bytes, scenario: Scenario, progress: Progress | None = None
                   ) -> _Runner:
    """The run :func:`checkpoint_runner` saved, attached to ``scenario`` again."""
    symbols = {"scenario": scenario, "missing": MISSING, "progress": progress,
               "on_slice": None, "on_record": None}
    runner = ckpt.loads(data, kind=KIND, symbols=symbols, extra=_scenario_classes())
    if not isinstance(runner, _Runner):
        raise CheckpointError("this checkpoint does not hold a scenario run")
    runner.progress = progress
    return runner


def branch_runner(runner: _Runner, scenario: Scenario | None = None) -> _Runner:
    """An independent copy of a run at the same point; ``scenario`` replaces its timeline."""
    copy = restore_runner(checkpoint_runner(runner, compress=False), runner.scenario)
    if scenario is not None:
        copy.scenario = scenario
        copy.result.scenario = scenario
    return copy


def _scenario_classes() -> dict[tuple[str, str], type]:
    import importlib
    import pkgutil

    import sdssim.scenario as package

    out: dict[tuple[str, str], type] = {}
    for info in pkgutil.iter_modules(package.__path__):
        name = f"sdssim.scenario.{info.name}"
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == name:
                out[(name, value.__qualname__)] = value
    return out


# -- a run directory ------------------------------------------------------------------------

class _Writer:
    """Writes a checkpoint each time virtual time crosses ``start + k * every``."""

    def __init__(self, folder: str, start_us: int, every_us: int, now_us: int,
                 number: int) -> None:
        self.folder = folder
        self.start_us = start_us
        self.every_us = every_us
        self.number = number
        self.due = start_us + ((now_us - start_us) // every_us + 1) * every_us

    def __call__(self, runner: _Runner) -> None:
        now = runner.sim.now_us
        if now < self.due:
            return
        self.number += 1
        ckpt.write_atomic(os.path.join(self.folder, f"{self.number:06d}.ckpt"),
                          checkpoint_runner(runner))
        self.due = self.start_us + ((now - self.start_us) // self.every_us + 1) * self.every_us


def _digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def run_with_checkpoints(scenario: Scenario, scenario_path: str, out_dir: str, every: str,
                         seed: int | None = None, until: str | None = None,
                         progress: Progress | None = None) -> RunResult:
    """Run ``scenario`` writing checkpoints into ``out_dir/checkpoints`` every ``every``."""
    try:
        every_us = duration_us(every)
    except ValueError as exc:
        raise ValueError(f"--checkpoint-every: {exc}") from None
    if every_us <= 0:
        raise ValueError("--checkpoint-every must be longer than zero")
    runner = start_runner(scenario, seed, until, progress)
    folder = os.path.join(out_dir, CHECKPOINT_DIR)
    os.makedirs(folder, exist_ok=True)
    # A new run: older checkpoints are not its past.  The old manifest goes first, so a crash
    # in between leaves "no checkpointed run", never old checkpoints under a new manifest.
    if os.path.exists(os.path.join(folder, MANIFEST)):
        os.unlink(os.path.join(folder, MANIFEST))
    for name in os.listdir(folder):
        if _FILE.match(name):
            os.unlink(os.path.join(folder, name))
    manifest = {"format": ckpt.FORMAT_VERSION, "scenario": os.path.abspath(scenario_path),
                "sha256": _digest(scenario_path), "seed": seed, "until": until,
                "every": every}
    ckpt.write_atomic(os.path.join(folder, MANIFEST),
                      (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    start_us = to_us(scenario.start)
    runner.on_slice = _Writer(folder, start_us, every_us, start_us, 0)
    return runner.run()


def latest_checkpoint(out_dir: str) -> tuple[int, str] | None:
    folder = os.path.join(out_dir, CHECKPOINT_DIR)
    found = sorted(int(m.group(1)) for m in map(_FILE.match, os.listdir(folder)) if m)
    if not found:
        return None
    return found[-1], os.path.join(folder, f"{found[-1]:06d}.ckpt")


def resume(out_dir: str, load: Callable[[str], Scenario],
           progress: Progress | None = None) -> tuple[Scenario, str, RunResult]:
    """Finish the run in ``out_dir`` from its newest checkpoint (or from the start if none).

    Returns the scenario, its path and the finished result.  Raises
    :class:`CheckpointError` (or ``ValueError``) with one clear message.
    """
    manifest_path = os.path.join(out_dir, CHECKPOINT_DIR, MANIFEST)
    try:
        with open(manifest_path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except FileNotFoundError:
        raise CheckpointError(f"{out_dir!r} holds no checkpointed run (no {CHECKPOINT_DIR}/"
                              f"{MANIFEST}; start one with 'sdssim run S --out {out_dir} "
                              "--checkpoint-every P1D')") from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read {manifest_path!r}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ckpt.FORMAT_VERSION:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise CheckpointError(f"{manifest_path}: checkpoint format {found!r} is not supported: "
                              f"this sdssim reads format {ckpt.FORMAT_VERSION} only")
    path = manifest.get("scenario")
    if not isinstance(path, str) or not os.path.isfile(path):
        raise CheckpointError(f"the run's scenario {path!r} is no longer there")
    if _digest(path) != manifest.get("sha256"):
        raise CheckpointError(f"the scenario {path} changed since the run began; "
                              "run it again instead of resuming")
    scenario = load(path)
    every_us = duration_us(manifest["every"])
    latest = latest_checkpoint(out_dir)
    if latest is None:
        runner = start_runner(scenario, manifest.get("seed"), manifest.get("until"), progress)
        number = 0
        begun = False
    else:
        number, file = latest
        runner = restore_runner(ckpt.read_file(file), scenario, progress)
        begun = True
    start_us = to_us(scenario.start)
    runner.on_slice = _Writer(os.path.join(out_dir, CHECKPOINT_DIR), start_us, every_us,
                              runner.sim.now_us if begun else start_us, number)
    result = runner.carry_on() if begun else runner.run()
    return scenario, path, result
