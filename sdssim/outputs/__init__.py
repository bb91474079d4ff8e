"""Readers and writers of a run's records: JSON Lines (:mod:`.jsonl`), run directories
(:mod:`.runio`), plots (:mod:`.plots`), diagrams (:mod:`.diagrams`) and HTML reports
(:mod:`.report`). They read records only; matplotlib is imported by the plotting modules.
"""
