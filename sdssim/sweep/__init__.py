"""Sweeps: one scenario over many seeds (and a grid of SimConfig overrides), on Dask.

>>> from sdssim.sweep import run_sweep
>>> result = run_sweep("scenarios/08-credential-quarantine-lifted-by-start.yaml",
...                    "0:1000", workers=2, grid=["cycle_interval=PT20M,PT40M"],
...                    out_dir="out/sweep-08")                        # doctest: +SKIP
>>> result.summary[0]["p_quarantine"]                                  # doctest: +SKIP

Each run is ``sdssim.scenario.run(scenario, seed=s)`` in a Dask worker,
giving one small row (:data:`OUTCOME_COLUMNS`); rows are gathered in grid
point and seed order, so results are identical on one worker or many.  The
Dask part needs the ``sweep`` extra (``pip install 'sdssim[sweep]'``);
:func:`run_one` and :func:`summarise` do not.  See ``docs/performance.md``.
"""

from __future__ import annotations

from .outcome import OUTCOME_COLUMNS, outcome_of, run_chunk, run_one
from .runner import MissingDask, SweepResult, run_sweep
from .spec import grid_points, parse_grid, parse_seeds
from .summary import SUMMARY_COLUMNS, percentile, summarise, to_csv_text

__all__ = [
    "OUTCOME_COLUMNS",
    "SUMMARY_COLUMNS",
    "MissingDask",
    "SweepResult",
    "grid_points",
    "outcome_of",
    "parse_grid",
    "parse_seeds",
    "percentile",
    "run_chunk",
    "run_one",
    "run_sweep",
    "summarise",
    "to_csv_text",
]
