"""Writers that read a simulation's records: JSON Lines (:mod:`.jsonl`)."""
