"""Meaning checks of the declared subjects: profiles (and their CSV sources) and jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdssim.clock import parse_duration, parse_timestamp

from . import csvgen
from ._yaml import read_text
from .defaults import default_job_body, default_profile_body, default_service_principal
from .limits import MAX_GENERATED_ROWS
from .model import CsvSpec, JobSpec, ProfileSpec
from .problems import YPath, describe, suggest
from .semantics_graph import engine_check, engine_refusal, model_check
from .semantics_groups import count_jobs, declare_members

if TYPE_CHECKING:
    from .semantics import Semantics

__all__ = ["check_profile", "check_job"]


def check_profile(sem: Semantics, index: int, spec: dict[str, Any]) -> ProfileSpec | None:
    """``profiles[index]``, or ``None`` when its key is taken."""
    if not sem.declare("profile", index, spec):
        return None
    c = sem.c
    path: YPath = ("profiles", index)
    key = spec["key"]
    body = spec.get("body")
    if body is None:
        body = default_profile_body(key)
    elif model_check(c, body, path + ("body",), "profile"):
        engine_check(c, path + ("body",), lambda sim: sim.create_profile(body))
    csv_spec = None
    if "csv" in spec:
        csv_spec = _csv(sem, spec["csv"], path + ("csv",))
    create = spec.get("create", True)
    if create:
        sem.created.add(("profile", key))
    return ProfileSpec(key=key, body=body, csv=csv_spec, create=create,
                       line=c.locs.value(path)[0])


def _csv(sem: Semantics, spec: dict[str, Any], path: YPath) -> CsvSpec:
    c = sem.c
    folder_files: dict[str, str] = {}
    if "folder" in spec:
        folder = sem.file.resolve().parent / spec["folder"]
        if not folder.is_dir():
            c.at_value(path + ("folder",),
                       f"csv.folder: no folder {spec['folder']!r} next to the scenario")
        else:
            found = sorted(p for p in folder.iterdir()
                           if p.is_file() and p.suffix.lower() == ".csv")
            if not found:
                c.at_value(path + ("folder",),
                           f"csv.folder: {spec['folder']!r} holds no .csv files")
            for file in found:
                try:
                    folder_files[file.name] = read_text(str(file))
                except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
                    c.at_value(path + ("folder",), f"csv.folder: cannot read {file.name}: {exc}")
    generate = spec.get("generate")
    if generate is not None:
        _generate(sem, generate, path + ("generate",))
    return CsvSpec(generate=generate, folder_files=folder_files, files=dict(spec.get("files", {})))


def _generate(sem: Semantics, spec: dict[str, Any], path: YPath) -> None:
    c = sem.c
    rows = csvgen.row_counts(spec)
    if sum(rows.values()) > MAX_GENERATED_ROWS:
        c.at_value(path, f"csv.generate: {sum(rows.values()):,} rows in all, over the limit of "
                   f"{MAX_GENERATED_ROWS:,} generated rows (limit MAX_GENERATED_ROWS)")
        return
    used: dict[str, int] = dict.fromkeys(csvgen.FILES, 0)
    for kind, files in (spec.get("defects") or {}).items():
        for file, value in files.items():
            where = path + ("defects", kind, file)
            label = f"defects.{kind}.{file}"
            column = csvgen.defect_column(kind, file, value)
            count = csvgen.defect_count(value)
            columns = csvgen.FILES[file]
            if column is None:
                c.at_value(where, f"{label}: {file} has no column for {kind} defects")
                continue
            col_at = where + ("column",) if isinstance(value, dict) and "column" in value \
                else where
            count_at = where + ("count",) if isinstance(value, dict) else where
            if column not in columns:
                c.at_value(col_at, f"{label}: {column!r} is not a column of {file} "
                           f"({', '.join(columns)}){suggest(column, columns)}")
                continue
            allowed = {
                "dangling": csvgen.REFERENCE_COLUMNS[file],
                "duplicates": csvgen.UNIQUE_COLUMNS[file],
                "bad_format": tuple(col for col in columns if col in csvgen.FORMAT_COLUMNS),
            }.get(kind)
            if allowed is not None and column not in allowed:
                which = ", ".join(allowed) or "none"
                c.at_value(col_at, f"{label}: column {column!r} cannot have {kind} "
                           f"defects (columns that can: {which})")
                continue
            available = rows[file] - (1 if kind == "duplicates" else 0)
            used[file] += count
            if count > available or used[file] > rows[file]:
                c.at_value(count_at, f"{label}: {count:,} defective rows asked for, but "
                           f"{file} has {rows[file]:,} rows to spare")


def check_job(sem: Semantics, index: int, spec: dict[str, Any]
              ) -> JobSpec | list[JobSpec] | None:
    """``jobs[index]`` (the jobs it declares, with a ``count``), or ``None`` when its key
    is taken."""
    if not sem.declare("job", index, spec):
        return None
    c = sem.c
    path: YPath = ("jobs", index)
    key = spec["key"]
    body = spec["body"] if "body" in spec else default_job_body(key)
    body_ok = "body" not in spec or model_check(c, body, path + ("body",), "job")
    schedule = spec.get("schedule")
    if schedule:
        if "interval" in schedule:
            try:
                parse_duration(schedule["interval"])
            except ValueError as exc:
                c.at_value(path + ("schedule", "interval"), f"schedule.interval: {exc}")
        if "expiration" in schedule:
            try:
                parse_timestamp(schedule["expiration"])
            except ValueError as exc:
                c.at_value(path + ("schedule", "expiration"), f"schedule.expiration: {exc}")
    settings = {name: _setting_text(v) for name, v in (spec.get("settings") or {}).items()}
    create = spec.get("create", True)
    if create:
        sem.created.add(("job", key))
    objects = spec.get("objects")
    job = JobSpec(
        key=key,
        service_principal=spec.get("service_principal", default_service_principal(key)),
        body=sem.shared(body),
        objects=None if objects is None else sem.shared(objects),
        settings=sem.shared(settings),
        schedule=dict(schedule) if schedule else None,
        create=create,
        line=c.locs.value(path)[0],
    )
    if body_ok:
        for where, refusal in _job_refusals(sem, job, body, "settings" in spec):
            c.at_value(path + where, f"{describe(path + where)}: {refusal}")
    count = spec.get("count")
    if count is None:
        count_jobs(sem, 1, path)
        return job
    return declare_members(sem, index, spec, job, count)


def _job_refusals(sem: Semantics, job: JobSpec, body: dict[str, Any],
                  settings: bool) -> tuple[tuple[YPath, str], ...]:
    """Where under the job and why the engine refuses to create it (and apply its PATCH).

    The answer depends on the body, the objects and the PATCH only (any non-empty service
    principal id, which the schema ensures, is taken), so jobs declared alike share one
    answer: a file of 100,000 jobs like one another tries one throwaway simulation.  The
    body, objects and settings are the scenario's shared values (``Semantics.shared``: one
    object for equal values), so their identities, with the schedule, name the answer."""
    patch = job.patch_body()
    key = (id(job.body), id(job.objects), id(job.settings),
           tuple(sorted(job.schedule.items())) if job.schedule else None, settings)
    known = sem.job_refusals.get(key)
    if known is not None:
        return known
    refusal = engine_refusal(lambda sim: sim.create_job(job.service_principal, body,
                                                        objects=job.objects))
    if refusal is not None:
        known = ((("body",), refusal),)
    elif patch is not None:
        def patched(sim: Any) -> None:
            made = sim.create_job(job.service_principal, body, objects=job.objects)
            sim.update_job(job.service_principal, made.id, patch)

        refusal = engine_refusal(patched)
        known = () if refusal is None else (((("settings",) if settings else ("schedule",)),
                                             refusal),)
    else:
        known = ()
    sem.job_refusals[key] = known
    return known


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
