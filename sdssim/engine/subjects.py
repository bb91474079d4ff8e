"""Subjects: the ``kind/id`` strings naming what a record, a fault or a label is about.

``profile/<id>`` (an SDS profile), ``job/<id>`` (a provisioning job) and
``servicePrincipal/<id>`` (a service principal, only as a fault's target).
Build them with the constructors here and read them with
:func:`parse_subject`, never by hand, so the format is declared once.

The type is :data:`SubjectId`: the name of a subject, as records carry it
(``sdssim.engine.core.Subject`` is the engine's mutable state of one, whose
``subject`` attribute holds its :data:`SubjectId`).
"""

from __future__ import annotations

from typing import Literal, NewType

from sdssim.errors import BadRequest

__all__ = ["SUBJECT_KINDS", "SubjectId", "SubjectKind", "job_subject", "make_subject",
           "parse_subject", "principal_subject", "profile_subject"]

SubjectId = NewType("SubjectId", str)
SubjectKind = Literal["profile", "job", "servicePrincipal"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("profile", "job", "servicePrincipal")
_SHAPES = "'profile/<id>', 'job/<id>' or 'servicePrincipal/<id>'"


def profile_subject(profile_id: str) -> SubjectId:
    """``profile/<profile_id>``."""
    return SubjectId(f"profile/{profile_id}")


def job_subject(job_id: str) -> SubjectId:
    """``job/<job_id>``."""
    return SubjectId(f"job/{job_id}")


def principal_subject(sp_id: str) -> SubjectId:
    """``servicePrincipal/<sp_id>``."""
    return SubjectId(f"servicePrincipal/{sp_id}")


def make_subject(kind: str, ident: str) -> SubjectId:
    """``<kind>/<ident>`` for a kind held as a value; an unknown kind is :class:`BadRequest`."""
    if kind not in SUBJECT_KINDS:
        raise BadRequest(f"{kind!r} is not a subject kind; a subject is {_SHAPES}")
    return SubjectId(f"{kind}/{ident}")


def parse_subject(text: str) -> tuple[SubjectKind, str]:
    """``(kind, id)`` of a subject; anything else (no kind, an unknown one, no id) is
    :class:`BadRequest` (a ``ValueError``)."""
    kind, slash, ident = text.partition("/") if isinstance(text, str) else ("", "", "")
    if not slash or not ident or kind not in SUBJECT_KINDS:
        raise BadRequest(f"{text!r} is not a subject; a subject is {_SHAPES}")
    return kind, ident
