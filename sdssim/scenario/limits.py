"""Hard limits on what a scenario file may ask for, so hostile files are refused quickly.

Every limit is refused as a located problem (``FILE:LINE:COLUMN: ... limit ...``)
before anything runs, so ``validate`` refuses what ``run`` would choke on.

======================  ===========  ============================================
limit                   value        refuses
======================  ===========  ============================================
``MAX_DOCUMENT_BYTES``  2 MiB        a scenario file larger than this
``MAX_CSV_BYTES``       64 MiB       a CSV file in a ``csv.folder`` larger than this
``MAX_DEPTH``           64           lists/mappings nested deeper than this
``MAX_ALIASES``         256          more YAML aliases (``*name``) than this
``MAX_NODES``           200,000      more values than this once aliases are expanded
                                     (the "billion laughs" alias bomb)
``MAX_GENERATED_ROWS``  1,000,000    a ``csv.generate`` whose files add up to more rows
``MAX_OBJECTS``         10,000,000   a job source object count above this
``MAX_JOBS``            250,000      more jobs than this in all, ``count`` included
``MAX_ENTRIES``         1,000,000    more timeline entries, an entry naming a group
                                     counting once for each of its jobs
``MAX_HORIZON_DAYS``    3,660        a time more than ten years after ``start``
======================  ===========  ============================================

The horizon is the scenario layer's own, tighter limit: the engine refuses
times past :attr:`sdssim.Simulation.horizon` (100 years after its start), but a
story that runs past ten years is a typo (``+99999d``) that would otherwise run
for a long time before the engine stopped it.  Every other check of values the
engine takes (fault parameters, config) is the engine's own, called from the
scenario checks, not a copy.
"""

from __future__ import annotations

__all__ = ["MAX_DOCUMENT_BYTES", "MAX_CSV_BYTES", "MAX_DEPTH", "MAX_ALIASES", "MAX_NODES",
           "MAX_GENERATED_ROWS", "MAX_OBJECTS", "MAX_JOBS", "MAX_ENTRIES", "MAX_HORIZON_DAYS"]

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 256
MAX_NODES = 200_000
MAX_GENERATED_ROWS = 1_000_000
MAX_OBJECTS = 10_000_000
MAX_JOBS = 250_000
MAX_ENTRIES = 1_000_000
MAX_HORIZON_DAYS = 3660
