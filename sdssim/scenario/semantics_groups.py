"""Jobs declared with ``count``: their keys, the entries naming them, and their limits.

A declaration ``{key: school, count: N}`` makes N jobs keyed ``school-1`` …
``school-N``, the number zero-padded to the width of N (``school-000042`` for
N = 100,000).  An entry naming ``school`` stands for one entry per job, in key
order.  ``MAX_JOBS`` bounds the jobs a file declares and ``MAX_ENTRIES`` the
entries its timeline has once groups are counted, so a small file cannot ask
for millions of either.  Messages about a job key name groups, never list
their jobs one by one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import attrs

from .defaults import default_service_principal
from .limits import MAX_ENTRIES, MAX_JOBS
from .model import ActionEntry, Entry, ExpectEntry, FaultEntry, JobSpec
from .problems import YPath, describe, suggest

if TYPE_CHECKING:
    from .semantics import Semantics

__all__ = ["count_entries", "count_jobs", "declare_members", "each_job", "known_jobs",
           "member_keys", "unknown_job"]

#: how many keys a message lists before saying how many more there are
_LISTED = 20
_NUMBERED = re.compile(r"^(?P<group>.+)-(?P<n>[0-9]+)$")


def member_keys(key: str, count: int) -> list[str]:
    """``key-1`` … ``key-count``, the number zero-padded to the width of ``count``."""
    width = len(str(count))
    return [f"{key}-{n:0{width}d}" for n in range(1, count + 1)]


def count_jobs(sem: Semantics, n: int, path: YPath) -> bool:
    """Count ``n`` more declared jobs; ``False`` (said at ``path``, once) past ``MAX_JOBS``."""
    return _within(sem, "job_total", n, path, MAX_JOBS, "MAX_JOBS", "jobs in all")


def count_entries(sem: Semantics, n: int, path: YPath) -> bool:
    """Count ``n`` more timeline entries; ``False`` (said at ``path``, once) past
    ``MAX_ENTRIES``."""
    return _within(sem, "entry_total", n, path, MAX_ENTRIES, "MAX_ENTRIES",
                   "timeline entries in all once each job of a group has its own")


def _within(sem: Semantics, counter: str, n: int, path: YPath, limit: int, name: str,
            what: str) -> bool:
    before = getattr(sem, counter)
    total = before + n
    setattr(sem, counter, total)
    if total <= limit:
        return True
    if before <= limit:  # the first to pass it says so; the rest are dropped quietly
        sem.c.at_value(path, f"{describe(path)}: {total:,} {what}, over the limit of "
                       f"{limit:,} (limit {name})")
    return False


def declare_members(sem: Semantics, index: int, spec: dict[str, Any], job: JobSpec,
                    count: int) -> list[JobSpec]:
    """``jobs[index]`` with a ``count``: that many jobs alike, each with its own default
    service principal unless the declaration names one for all."""
    path: YPath = ("jobs", index)
    if not count_jobs(sem, count, path + ("count",)):
        return []
    keys = member_keys(job.key, count)
    taken = next((k for k in keys if k in sem.job_keys or k in sem.members), None)
    if taken is not None:
        sem.c.at_value(path + ("count",), f"jobs[{index}].count: makes the job key {taken!r}, "
                       "which is declared already")
        return []
    for k in keys:
        sem.members[k] = job.key
    sem.groups[job.key] = tuple(keys)
    if job.create:
        sem.created.update(("job", k) for k in keys)
    principal = spec.get("service_principal")
    return [attrs.evolve(job, key=k, service_principal=principal or default_service_principal(k))
            for k in keys]


def each_job(sem: Semantics, entry: Entry | None, path: YPath) -> list[Entry | None]:
    """An entry naming a group, once for each of its jobs (``[None]`` past the limit)."""
    members: tuple[str, ...] = ()
    if isinstance(entry, ExpectEntry) and entry.subject_kind == "job":
        members = sem.groups.get(entry.key, ())
    elif isinstance(entry, (ActionEntry, FaultEntry)) and entry.job is not None:
        members = sem.groups.get(entry.job, ())
    if not count_entries(sem, len(members) or 1, path):
        return [None]
    if isinstance(entry, ExpectEntry) and members:
        return [attrs.evolve(entry, key=k) for k in members]
    if isinstance(entry, (ActionEntry, FaultEntry)) and members:
        return [attrs.evolve(entry, job=k) for k in members]
    return [entry]


def known_jobs(sem: Semantics) -> str:
    """The declared job keys for a message, each group once as ``school (school-01 …
    school-12)``, at most ``_LISTED`` of them."""
    names = sorted(f"{key} ({sem.groups[key][0]} … {sem.groups[key][-1]})"
                   if key in sem.groups else key for key in sem.job_keys)
    more = len(names) - _LISTED
    text = ", ".join(names[:_LISTED]) or "none declared"
    return text + (f" and {more:,} more" if more > 0 else "")


def unknown_job(sem: Semantics, key: Any) -> str:
    """What follows ``unknown job 'KEY'``: a guess, then the declared jobs."""
    numbered = _NUMBERED.match(key) if isinstance(key, str) else None
    members = sem.groups.get(numbered["group"], ()) if numbered else ()
    if numbered and members:
        n = int(numbered["n"])
        guess = f" (did you mean {members[n - 1]!r}?)" if 1 <= n <= len(members) else \
            f" (group {numbered['group']!r} has {len(members):,} jobs)"
    else:
        guess = suggest(key, sem.job_keys)
    return f"{guess} (known jobs: {known_jobs(sem)})"
