"""Deterministic generation of the six SDS CSV files, with optional defects.

``generate_files(spec, seed)`` builds School, Section, Student, Teacher,
StudentEnrollment and TeacherRoster files from counts, then plants defects
in chosen rows.  The same spec and seed always give the same text: a private
``random.Random(seed)`` drives every choice.

Defects (each ``{file: count}`` or ``{file: {count, column}}``):

* ``missing``: the column is left empty in ``count`` rows;
* ``bad_format``: the value gets characters its format forbids (a space);
* ``duplicates``: ``count`` rows repeat another row's value in the column;
* ``dangling``: ``count`` rows reference a row that does not exist.
"""

from __future__ import annotations

import csv
import io
import random
from typing import Any

from sdssim.engine import csvcheck as _check

__all__ = [
    "FILES",
    "DEFECT_KINDS",
    "DEFAULT_COLUMNS",
    "REFERENCE_COLUMNS",
    "UNIQUE_COLUMNS",
    "generate_files",
    "defect_column",
    "row_counts",
]

# The CSV schema is declared once, in the engine's checker (what ``start`` verifies);
# generation reads it from there.
#: file -> required columns (documented, domain.md §3)
FILES: dict[str, tuple[str, ...]] = {name: spec[0] for name, spec in _check.FILES.items()}

#: columns that refer to another file's SIS ID
REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(col for (file, col) in _check.REFERENCES if file == name) for name in FILES
}

#: columns whose values must be unique
UNIQUE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: spec[1] for name, spec in _check.FILES.items()
}

DEFECT_KINDS = ("missing", "bad_format", "duplicates", "dangling")

#: defect kind -> file -> column used when the spec gives only a count
DEFAULT_COLUMNS: dict[str, dict[str, str]] = {
    "missing": {
        "School.csv": "Name",
        "Section.csv": "Section Name",
        "Student.csv": "Username",
        "Teacher.csv": "Username",
        "StudentEnrollment.csv": "Section SIS ID",
        "TeacherRoster.csv": "Section SIS ID",
    },
    "bad_format": {
        "School.csv": "SIS ID",
        "Section.csv": "SIS ID",
        "Student.csv": "Username",
        "Teacher.csv": "Username",
        "StudentEnrollment.csv": "SIS ID",
        "TeacherRoster.csv": "SIS ID",
    },
    "duplicates": {
        "School.csv": "SIS ID",
        "Section.csv": "SIS ID",
        "Student.csv": "SIS ID",
        "Teacher.csv": "SIS ID",
    },
    "dangling": {
        "Section.csv": "School SIS ID",
        "Student.csv": "School SIS ID",
        "Teacher.csv": "School SIS ID",
        "StudentEnrollment.csv": "Section SIS ID",
        "TeacherRoster.csv": "Section SIS ID",
    },
}

#: columns that have a format (and so can be badly formatted)
FORMAT_COLUMNS = tuple(_check.COLUMN_FORMATS)

_SUBJECTS = ("Mathematics", "English", "Biology", "Chemistry", "History", "Geography",
             "Physics", "Art", "Music", "Spanish", "French", "Computing")
_FIRST = ("ana", "ben", "chloe", "dev", "emma", "farid", "grace", "hugo", "iris", "jon",
          "kai", "lena", "milo", "nora", "omar", "priya", "quinn", "rosa", "sam", "tara")
_SCHOOL_WORDS = ("North", "South", "East", "West", "Lake", "Hill", "River", "Oak", "Pine",
                 "Harbor", "Valley", "Meadow")


def defect_column(kind: str, file: str, value: Any) -> str | None:
    """The column a defect entry applies to (``None`` when the file has no default)."""
    if isinstance(value, dict) and "column" in value:
        return value["column"]
    return DEFAULT_COLUMNS[kind].get(file)


def defect_count(value: Any) -> int:
    return value["count"] if isinstance(value, dict) else int(value)


def row_counts(spec: dict[str, Any]) -> dict[str, int]:
    """How many data rows each generated file has (before defects, which keep counts)."""
    schools = spec["schools"]
    sections = spec.get("sections", 0)
    students = spec.get("students", 0)
    teachers = spec.get("teachers", 0)
    return {
        "School.csv": schools,
        "Section.csv": sections,
        "Student.csv": students,
        "Teacher.csv": teachers,
        "StudentEnrollment.csv": _enrollments_per_student(sections) * students if sections else 0,
        "TeacherRoster.csv": sections if teachers else 0,
    }


def _enrollments_per_student(sections: int) -> int:
    return min(4, sections)


def generate_files(spec: dict[str, Any], seed: int) -> dict[str, str]:
    """The six files for ``spec`` (a validated ``generate`` mapping), as CSV text."""
    rng = random.Random(seed)
    domain = spec.get("domain", "contoso.edu")
    n_schools = spec["schools"]
    n_sections = spec.get("sections", 0)
    n_students = spec.get("students", 0)
    n_teachers = spec.get("teachers", 0)

    school_ids = [f"SCH{i:03d}" for i in range(1, n_schools + 1)]
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in FILES}
    words = list(_SCHOOL_WORDS)
    rng.shuffle(words)
    for i, sid in enumerate(school_ids):
        word = words[i % len(words)]
        suffix = "" if i < len(words) else f" {i // len(words) + 1}"
        kind = ("High School", "Middle School", "Elementary")[i % 3]
        tables["School.csv"].append({"SIS ID": sid, "Name": f"{word}{suffix} {kind}"})

    section_school: dict[str, str] = {}
    for i in range(1, n_sections + 1):
        sec = f"SEC{i:05d}"
        school = school_ids[(i - 1) % n_schools]
        section_school[sec] = school
        subject = _SUBJECTS[rng.randrange(len(_SUBJECTS))]
        tables["Section.csv"].append(
            {"SIS ID": sec, "School SIS ID": school, "Section Name": f"{subject} {i}"}
        )
    sections_by_school: dict[str, list[str]] = {}
    for sec, school in section_school.items():
        sections_by_school.setdefault(school, []).append(sec)

    for prefix, count, file in (("STU", n_students, "Student.csv"),
                                ("TCH", n_teachers, "Teacher.csv")):
        for i in range(1, count + 1):
            sis = f"{prefix}{i:06d}"
            first = _FIRST[rng.randrange(len(_FIRST))]
            school = school_ids[rng.randrange(n_schools)]
            tables[file].append({
                "SIS ID": sis,
                "School SIS ID": school,
                "Username": f"{first}.{prefix.lower()}{i}@{domain}",
            })

    all_sections = list(section_school)
    per_student = _enrollments_per_student(n_sections)
    if all_sections:
        for student in tables["Student.csv"]:
            local = sections_by_school.get(student["School SIS ID"], [])
            pool = local if len(local) >= per_student else all_sections
            for sec in sorted(rng.sample(pool, per_student)):
                tables["StudentEnrollment.csv"].append(
                    {"Section SIS ID": sec, "SIS ID": student["SIS ID"]}
                )
        teacher_ids = [t["SIS ID"] for t in tables["Teacher.csv"]]
        if teacher_ids:
            for sec in all_sections:
                tables["TeacherRoster.csv"].append(
                    {"Section SIS ID": sec, "SIS ID": teacher_ids[rng.randrange(len(teacher_ids))]}
                )

    _plant_defects(tables, spec.get("defects") or {}, rng)
    return {name: _write(FILES[name], rows) for name, rows in tables.items()}


def _plant_defects(
    tables: dict[str, list[dict[str, str]]], defects: dict[str, Any], rng: random.Random
) -> None:
    # Rows already given a defect are not reused, so every defect is counted once.
    used: dict[str, set[int]] = {name: set() for name in tables}
    for kind in DEFECT_KINDS:
        for file in FILES:
            value = (defects.get(kind) or {}).get(file)
            if value is None:
                continue
            column = defect_column(kind, file, value)
            if column is None:
                raise ValueError(f"{kind} defects in {file}: no column to plant them in")
            count = defect_count(value)
            rows = tables[file]
            free = [i for i in range(len(rows)) if i not in used[file]]
            if kind == "duplicates":
                # keep row 0 as the original every duplicate copies
                free = [i for i in free if i != 0]
            chosen = sorted(rng.sample(free, count))
            used[file].update(chosen)
            for n, index in enumerate(chosen, start=1):
                row = rows[index]
                if kind == "missing":
                    row[column] = ""
                elif kind == "bad_format":
                    row[column] = f"bad value {n}"
                elif kind == "duplicates":
                    row[column] = rows[0][column]
                else:  # dangling
                    prefix = {"School SIS ID": "SCH", "Section SIS ID": "SEC"}.get(column, "X")
                    row[column] = f"{prefix}MISSING{n:04d}"


def _write(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return buffer.getvalue()
