"""What a job's cycle can end in: the errors it records and the faults that reach it."""

from __future__ import annotations

__all__ = ["US_S", "COMPLETE_FAILURES", "ESCROW_FAILURE", "PRUNED", "DELETES", "JOB_FAULTS",
           "MAX_ON_DEMAND"]

US_MIN = 60_000_000
US_S = 1_000_000
COMPLETE_FAILURES = {
    "credential_failure": ("CredentialsInvalid",
                           "The administrator credentials are invalid or expired."),
    "endpoint_down": ("HttpEndpointUnavailable",
                      "The target application's endpoint could not be reached."),
}
ESCROW_FAILURE = ("EntryLevelErrors", "Entries failed to provision and were escrowed.")
PRUNED = ("EscrowsPruned", "The initial cycle reached the escrow threshold: its escrows were "
           "cleared and the job paused once the cycle completed.")
DELETES = ("TooManyDeletes", "The cycle would delete more objects than the threshold allows.")
#: fault kinds that change what a job's cycle does
JOB_FAULTS = ("credential_failure", "endpoint_down", "throttling", "entry_failures",
              "mass_deletes", "replica_unavailable", "quarantine")
#: The most subjects one provisionOnDemand request may name (sdssim's bound).
MAX_ON_DEMAND = 5
