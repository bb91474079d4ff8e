"""Hypothesis strategy for the six SDS CSV files, with defects planted and counted.

:func:`csv_datasets` draws schools, sections, students, teachers and their
enrolments, then plants defects (missing, bad format, dangling references,
duplicates) at chosen rates; the :class:`CsvDataset` says what was planted and
how many rows should fail. The CSV schema comes from the engine's checker
(:mod:`sdssim.engine.csvcheck`), where it is declared. Part of
:mod:`sdssim.testing.strategies`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from sdssim.engine import csvcheck as _csvcheck

__all__ = ["DEFECT_KINDS", "CsvDataset", "csv_datasets"]

DEFECT_KINDS = ("missing", "bad_format", "dangling", "duplicates")

Range = tuple[int, int]

#: file -> (required columns, columns with a format, reference column -> file, unique columns),
#: read from the engine's CSV checker, where the schema is declared
_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, str], tuple[str, ...]]] = {
    name: (required, tuple(c for c in required if c in _csvcheck.COLUMN_FORMATS),
           {col: target for (file, col), target in _csvcheck.REFERENCES.items() if file == name},
           unique)
    for name, (required, unique, _entry) in _csvcheck.FILES.items()
}
_ENTITY_FILES = _csvcheck.ENTITY_FILES

@attrs.frozen
class CsvDataset:
    """Six SDS CSV files and what was planted in them.

    ``defects`` lists ``(file, row, kind, column)`` (``row`` counts data rows
    from 0).  ``bad_rows`` is how many rows should fail during sync: the
    defective rows plus every row that refers to one of them (a reference to a
    rejected row dangles).  ``rejected`` is true when a ``duplicates`` defect
    makes ``start`` answer 400.
    """

    files: dict[str, str]
    rows: dict[str, int]
    defects: tuple[tuple[str, int, str, str], ...]
    bad_rows: int
    rejected: bool

    @property
    def entries(self) -> int:
        """Rows of School, Section, Student and Teacher: the entries a sync processes."""
        return sum(self.rows[f] for f in _ENTITY_FILES)

    def count(self, kind: str) -> int:
        return sum(1 for d in self.defects if d[2] == kind)


def _rates(defects: Mapping[str, float] | None) -> dict[str, float]:
    out = dict(defects or {})
    for kind, rate in out.items():
        if kind not in DEFECT_KINDS:
            raise ValueError(f"unknown defect kind {kind!r}; known: {', '.join(DEFECT_KINDS)}")
        if not 0 <= rate <= 1:
            raise ValueError(f"the rate of {kind!r} defects must be between 0 and 1")
    return out


@st.composite
def csv_datasets(draw: Any, *, schools: Range = (1, 3), sections: Range = (0, 6),
                 students: Range = (0, 20), teachers: Range = (0, 4),
                 defects: Mapping[str, float] | SearchStrategy[Mapping[str, float]] | None = None,
                 domain: str = "contoso.edu") -> CsvDataset:
    """A :class:`CsvDataset` of the given sizes; ``defects`` maps a kind to its rate per row.

    Kinds: ``missing`` (a required value left empty), ``bad_format`` (a value
    its format forbids), ``dangling`` (a reference to a row that does not
    exist), ``duplicates`` (a unique value repeated: an Error, sync does not
    start).  A row gets at most one defect.  Defects shrink away first.
    """
    rates = _rates(draw(defects) if isinstance(defects, SearchStrategy) else defects)
    n = {
        "School.csv": draw(st.integers(*schools)),
        "Section.csv": draw(st.integers(*sections)),
        "Student.csv": draw(st.integers(*students)),
        "Teacher.csv": draw(st.integers(*teachers)),
    }
    tables: dict[str, list[dict[str, str]]] = {f: [] for f in _FILES}
    school_ids = [f"SCH{i}" for i in range(1, n["School.csv"] + 1)]
    for i, sid in enumerate(school_ids):
        tables["School.csv"].append({"SIS ID": sid, "Name": f"School {i + 1}"})
    pick_school = st.sampled_from(school_ids)
    for i in range(1, n["Section.csv"] + 1):
        tables["Section.csv"].append({"SIS ID": f"SEC{i}", "School SIS ID": draw(pick_school),
                                      "Section Name": f"Section {i}"})
    for file, prefix in (("Student.csv", "stu"), ("Teacher.csv", "tch")):
        for i in range(1, n[file] + 1):
            tables[file].append({"SIS ID": f"{prefix.upper()}{i}",
                                 "School SIS ID": draw(pick_school),
                                 "Username": f"{prefix}{i}@{domain}"})
    section_ids = [r["SIS ID"] for r in tables["Section.csv"]]
    if section_ids:
        per = st.lists(st.sampled_from(section_ids), max_size=2, unique=True)
        for student in tables["Student.csv"]:
            for sec in draw(per):
                tables["StudentEnrollment.csv"].append({"Section SIS ID": sec,
                                                        "SIS ID": student["SIS ID"]})
        teacher_ids = [r["SIS ID"] for r in tables["Teacher.csv"]]
        if teacher_ids:
            for sec in section_ids:
                tables["TeacherRoster.csv"].append({"Section SIS ID": sec,
                                                    "SIS ID": draw(st.sampled_from(teacher_ids))})
    planted = _plant(draw, tables, rates)
    files = {name: _write(_FILES[name][0], rows) for name, rows in tables.items()}
    return CsvDataset(
        files=files,
        rows={name: len(rows) for name, rows in tables.items()},
        defects=tuple(planted),
        bad_rows=_bad_rows(tables),
        rejected=any(d[2] == "duplicates" for d in planted),
    )


def _plant(draw: Any, tables: dict[str, list[dict[str, str]]], rates: dict[str, float]
           ) -> list[tuple[str, int, str, str]]:
    planted: list[tuple[str, int, str, str]] = []
    kinds = [k for k in DEFECT_KINDS if rates.get(k, 0) > 0]
    if not kinds:
        return planted
    for file, rows in tables.items():
        required, formatted, refs, unique = _FILES[file]
        columns = {"missing": required, "bad_format": formatted, "dangling": tuple(refs),
                   "duplicates": unique if len(rows) > 1 else ()}
        for index, row in enumerate(rows):
            for kind in kinds:
                if not columns[kind] or (kind == "duplicates" and index == 0):
                    continue
                # 0 (the shrink target) means "no defect": failures shrink to clean rows.
                if draw(st.integers(0, 9_999)) < 10_000 * (1 - rates[kind]):
                    continue
                col = draw(st.sampled_from(columns[kind]))
                if kind == "duplicates" and not rows[0][col]:
                    continue  # an empty value is missing, never a duplicate
                n = len(planted) + 1
                if kind == "missing":
                    row[col] = ""
                elif kind == "bad_format":
                    row[col] = f"bad value {n}"
                elif kind == "dangling":
                    row[col] = f"MISSING{n}"
                else:
                    row[col] = rows[0][col]
                planted.append((file, index, kind, col))
                break
    return planted


def _bad_rows(tables: dict[str, list[dict[str, str]]]) -> int:
    """Rows sync rejects: empty or malformed values, then references to rejected rows."""
    valid: dict[str, set[str]] = {}
    bad = 0
    for file, rows in tables.items():
        required, formatted, refs, _unique = _FILES[file]
        ok: set[str] = set()
        for row in rows:
            broken = any(not row[c] for c in required) or any(" " in row[c] for c in formatted)
            if not broken:
                broken = any(row[c] not in valid.get(ref, set()) for c, ref in refs.items())
            if broken:
                bad += 1
            elif file in _ENTITY_FILES:
                ok.add(row["SIS ID"])
        valid[file] = ok
    return bad


def _write(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    lines = [",".join(columns)] + [",".join(row[c] for c in columns) for row in rows]
    return "\n".join(lines) + "\n"
