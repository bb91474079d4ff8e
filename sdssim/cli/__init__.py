"""The ``sdssim`` command line: ``sdssim.cli:main``, one module per concept.

- :mod:`~sdssim.cli.group`: the command group, exit codes, one-line failures
- :mod:`~sdssim.cli.inputs`: reading a scenario; ``--seed``, ``--until``, ``--progress``
- :mod:`~sdssim.cli.progress`: progress of long work on stderr
- :mod:`~sdssim.cli.run`: ``run`` (a run directory, the timeline, the verdict)
- :mod:`~sdssim.cli.checkpoints`: ``resume`` and ``whatif``
- :mod:`~sdssim.cli.validate`, :mod:`~sdssim.cli.explain`: ``validate``, ``explain``
- :mod:`~sdssim.cli.describe`: ``diagram`` and ``schema``
- :mod:`~sdssim.cli.serve`, :mod:`~sdssim.cli.scorecard`: the fake Graph server, its grading
- :mod:`~sdssim.cli.reports`: ``plot`` and ``report``
- :mod:`~sdssim.cli.sweep`: ``sweep``

Exit codes: 0 all expectations hold (or nothing to report), 1 an expectation
failed, 2 an invalid scenario or a usage error, 3 an internal error, 130
interrupted (:mod:`sdssim.cli.group`).
"""

from __future__ import annotations

from sdssim.cli.checkpoints import resume_cmd, whatif_cmd
from sdssim.cli.describe import diagram_cmd, schema_cmd
from sdssim.cli.explain import explain_cmd
from sdssim.cli.group import main
from sdssim.cli.reports import plot_cmd, report_cmd
from sdssim.cli.run import run_cmd
from sdssim.cli.scorecard import scorecard_cmd
from sdssim.cli.serve import serve_cmd
from sdssim.cli.sweep import sweep_cmd
from sdssim.cli.validate import validate_cmd

__all__ = ["main"]

for _command in (run_cmd, validate_cmd, explain_cmd, diagram_cmd, schema_cmd, serve_cmd,
                 scorecard_cmd, plot_cmd, report_cmd, sweep_cmd, resume_cmd, whatif_cmd):
    main.add_command(_command)
