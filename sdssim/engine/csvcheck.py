"""Verification of the six SDS CSV files, as ``start`` does it.

File-level problems (a missing file or column, duplicate keys, too many rows)
are *Error* messages: sync does not start.  Row-level problems (missing data,
bad format, references to rows that do not exist) are *Warning* messages:
sync starts, and each such row becomes one entry-level error during sync.
The message texts are the documented templates.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping

import attrs

__all__ = ["FILES", "COLUMN_FORMATS", "CsvCheck", "BadRow", "check_files", "canonical_name"]

#: file name -> (required columns, unique columns, entry type)
FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "School.csv": (("SIS ID", "Name"), ("SIS ID",), "school"),
    "Section.csv": (("SIS ID", "School SIS ID", "Section Name"), ("SIS ID",), "section"),
    "Student.csv": (("SIS ID", "School SIS ID", "Username"), ("SIS ID", "Username"), "student"),
    "Teacher.csv": (("SIS ID", "School SIS ID", "Username"), ("SIS ID", "Username"), "teacher"),
    "StudentEnrollment.csv": (("Section SIS ID", "SIS ID"), (), "section"),
    "TeacherRoster.csv": (("Section SIS ID", "SIS ID"), (), "section"),
}
ENTITY_FILES = ("School.csv", "Section.csv", "Student.csv", "Teacher.csv")

#: (file, column) -> file whose SIS IDs it must reference
REFERENCES: dict[tuple[str, str], str] = {
    ("Section.csv", "School SIS ID"): "School.csv",
    ("Student.csv", "School SIS ID"): "School.csv",
    ("Teacher.csv", "School SIS ID"): "School.csv",
    ("StudentEnrollment.csv", "Section SIS ID"): "Section.csv",
    ("StudentEnrollment.csv", "SIS ID"): "Student.csv",
    ("TeacherRoster.csv", "Section SIS ID"): "Section.csv",
    ("TeacherRoster.csv", "SIS ID"): "Teacher.csv",
}

_SIS_ID = re.compile(r"^[A-Za-z0-9._\-]+$")
_USERNAME = re.compile(r"^[A-Za-z0-9._'\-]+(@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})?$")
#: column -> the format its values must match (a column not here takes any text)
COLUMN_FORMATS: dict[str, re.Pattern[str]] = {
    "SIS ID": _SIS_ID, "School SIS ID": _SIS_ID, "Section SIS ID": _SIS_ID, "Username": _USERNAME,
}

MISSING = "{n} row(s) have missing data for the field - {col}"
INVALID = "{n} row(s) have invalid format for the field - {col}"
DUPLICATES = "{n} duplicates found in column {col} which requires values to be Unique."
DANGLING = "{n} row(s) have referenced data not found in source. Field - {col}"

_RESOLUTIONS = {
    MISSING: "Fill in the field in every row, or remove the rows.",
    INVALID: "Correct the values so they match the field's format.",
    DUPLICATES: "Make every value in the column unique.",
    DANGLING: "Add the referenced rows to their file, or correct the reference.",
}


@attrs.frozen(slots=True)
class Message:
    type: str  # "Error" or "Warning"
    group: str
    description: str
    resolution: str
    file_name: str


@attrs.frozen(slots=True)
class BadRow:
    """A row that passes verification with a warning and fails during sync."""

    entry_type: str
    error_code: str
    error_message: str
    joining_value: str
    reportable_identifier: str
    reference: bool


@attrs.frozen
class CsvCheck:
    messages: tuple[Message, ...]
    entries: int  # rows of the four entity files
    bad_rows: tuple[BadRow, ...]
    counts: dict[str, int]  # entity type -> rows of its file

    @property
    def has_errors(self) -> bool:
        return any(m.type == "Error" for m in self.messages)


def canonical_name(name: str) -> str | None:
    """``student.csv`` -> ``Student.csv``; ``None`` for a name SDS does not read."""
    lower = name.lower()
    for known in FILES:
        if known.lower() == lower:
            return known
    return None


def _msg(kind: str, template: str, file: str, n: int, col: str) -> Message:
    return Message(kind, file.removesuffix(".csv"), template.format(n=str(n), col=col),
                   _RESOLUTIONS[template], file)


def _read(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0]]
    return header, [dict(zip(header, (c.strip() for c in r), strict=False)) for r in rows[1:]]


def check_files(files: Mapping[str, str], max_rows: int = 500_000) -> CsvCheck:
    """Verify uploaded files (canonical names -> text) and list what sync will reject."""
    messages: list[Message] = []
    tables: dict[str, list[dict[str, str]]] = {}
    for name, (required, unique, _etype) in FILES.items():
        if name not in files:
            messages.append(Message("Error", name.removesuffix(".csv"),
                                    f"The required file {name} was not uploaded.",
                                    f"Upload {name} with the columns {', '.join(required)}.", name))
            continue
        header, rows = _read(files[name])
        missing_cols = [c for c in required if c not in header]
        for col in missing_cols:
            messages.append(Message("Error", name.removesuffix(".csv"),
                                    f"The required column {col} is missing from {name}.",
                                    "Column headers are case-sensitive; add the column.", name))
        if len(rows) > max_rows:
            messages.append(Message("Error", name.removesuffix(".csv"),
                                    f"{name} has {len(rows):,} rows; at most {max_rows:,} are allowed.",
                                    "Split the data across profiles.", name))
        if missing_cols:
            continue
        for col in unique:
            values = Counter(r.get(col, "") for r in rows if r.get(col, ""))
            extra = sum(n - 1 for n in values.values() if n > 1)
            if extra:
                messages.append(_msg("Error", DUPLICATES, name, extra, col))
        tables[name] = rows

    bad: list[BadRow] = []
    valid_ids: dict[str, set[str]] = {}
    # Verify in dependency order so references see which rows are valid.
    for name in FILES:
        if name not in tables:
            continue
        required, _unique, etype = FILES[name]
        counts: dict[str, Counter[str]] = {"missing": Counter(), "invalid": Counter(),
                                           "dangling": Counter()}
        ok_ids: set[str] = set()
        for index, row in enumerate(tables[name], start=2):
            problem = None
            for col in required:
                value = row.get(col, "")
                if not value:
                    counts["missing"][col] += 1
                    problem = problem or ("AzureActiveDirectoryInvalidPropertyValue",
                                          f"The field {col} is empty.", False)
                elif col in COLUMN_FORMATS and not COLUMN_FORMATS[col].match(value):
                    counts["invalid"][col] += 1
                    problem = problem or ("AzureActiveDirectoryInvalidPropertyValue",
                                          f"The value {value!r} of {col} has an invalid format.", False)
            if problem is None:
                for col in required:
                    ref = REFERENCES.get((name, col))
                    if ref and ref in tables and row[col] not in valid_ids.get(ref, ()):
                        counts["dangling"][col] += 1
                        problem = ("InvalidLookupReference",
                                   f"{col} {row[col]!r} was not found in {ref}.", True)
                        break
            if problem is None:
                if "SIS ID" in row and name in ENTITY_FILES:
                    ok_ids.add(row["SIS ID"])
                continue
            joining = row.get("SIS ID") or f"{name} row {index}"
            reportable = row.get("Username") or row.get("Name") or row.get("Section Name") or joining
            bad.append(BadRow(etype, problem[0], problem[1], joining, reportable, problem[2]))
        valid_ids[name] = ok_ids
        for key, template in (("missing", MISSING), ("invalid", INVALID), ("dangling", DANGLING)):
            for col in required:
                if counts[key][col]:
                    messages.append(_msg("Warning", template, name, counts[key][col], col))

    entity_counts = {etype: len(tables.get(name, ()))
                     for name, (_r, _u, etype) in FILES.items() if name in ENTITY_FILES}
    entries = sum(len(tables.get(n, ())) for n in ENTITY_FILES)
    return CsvCheck(tuple(messages), entries, tuple(bad), entity_counts)
