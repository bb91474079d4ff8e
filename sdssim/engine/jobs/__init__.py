"""Provisioning jobs: state, cycles, lazy steady state, quarantine, the Graph methods.

- :mod:`.state`: :class:`JobState`, its quarantine sub-record and Graph projection;
- :mod:`.streams`: each job's counter-based random stream;
- :mod:`.steady`: lazy steady state (cycles computed when observed);
- :mod:`.cycles`: cycle begin/end, escrow and deletion rules, quarantine escalation;
- :mod:`.ondemand`: validateCredentials and provisionOnDemand;
- :mod:`.service`: :class:`JobService`, the Graph methods over all of the above.
"""

from .outcomes import JOB_FAULTS
from .service import JobService
from .state import JobState
from .streams import draw, stream_seed
from .view import TROUBLESHOOTING_URL

__all__ = ["JOB_FAULTS", "JobService", "JobState", "TROUBLESHOOTING_URL", "draw", "stream_seed"]
