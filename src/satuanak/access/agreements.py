"""Agreements are the source of access (issue 18, ADR 0007).

The role table (access/policy.py) says what a role *could* read; a data-sharing agreement in
force says what the user's agency *may* read today, and for which purposes. What a user reads is
the intersection: `policy_of(user)` is the role's policy with its sources (and export sources)
narrowed to those an agreement in force covers for the user's agency. Every reader of a child's
sources asks `policy_of`, so an agreement that expires or is ended removes the access on the next
request, with nothing to revoke by hand.

The purposes a user may choose for a working session are those the same agreements allow
(`purposes_for`), from the catalogue in data/governance/purposes.json.

A user object lives for one request (the auth middleware loads it), so the answer is kept on it
for that request: a page that asks twenty times queries once.
"""

from __future__ import annotations

import contextlib
import functools
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from satuanak.access.policy import AreaScope, RolePolicy, policy_for
from satuanak.common.clock import today
from satuanak.core.sources import Source
from satuanak.governance.models import DataSharingAgreement

PURPOSES_PATH = Path(settings.SATUANAK_DATA_DIR) / "governance" / "purposes.json"
_CACHE_ATTR = "_satuanak_agreements"


@dataclass(frozen=True)
class Purpose:
    code: str
    label: str
    label_en: str


def purpose_catalogue() -> dict[str, Purpose]:
    """Every purpose the district has defined, by code (read again when the file changes)."""
    return _catalogue_at(PURPOSES_PATH.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _catalogue_at(_mtime_ns: int) -> dict[str, Purpose]:
    raw = json.loads(PURPOSES_PATH.read_text(encoding="utf-8"))["purposes"]
    return {code: Purpose(code, p["label"], p.get("label_en", "")) for code, p in raw.items()}


@dataclass(frozen=True)
class Coverage:
    """What the agreements in force on `day` give one user."""

    day: date
    agreement_ids: tuple[int, ...]
    sources: frozenset[Source]
    purposes: tuple[str, ...]  # in the catalogue's order


def _in_force(*, agency_id: int | None, day: date) -> QuerySet[DataSharingAgreement]:
    covers = Q(covers_all_agencies=True)
    if agency_id is not None:
        covers |= Q(parties__id=agency_id)
    return (
        DataSharingAgreement.objects.filter(covers, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .distinct()
        .order_by("valid_from", "number")
    )


def agreements_in_force(*, agency_id: int | None, day: date) -> list[DataSharingAgreement]:
    """Agreements in force on `day` that cover an agency (or every agency: a Perbup).

    A user without an agency is covered only by an agreement for all of the district's agencies."""
    return list(_in_force(agency_id=agency_id, day=day))


def coverage_for(user: Any, day: date | None = None) -> Coverage:
    day = day or today()
    cached: Coverage | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None and cached.day == day:
        return cached
    if not getattr(user, "is_authenticated", False):
        return Coverage(day, (), frozenset(), ())
    # Three columns, not model objects: this runs on every personal-data request.
    in_force = _in_force(agency_id=getattr(user, "agency_id", None), day=day)
    found = list(in_force.values_list("pk", "sources", "purposes"))
    known = {s.value for s in Source}
    sources = frozenset(Source(s) for _pk, srcs, _p in found for s in srcs if s in known)
    allowed = {p for _pk, _s, purposes in found for p in purposes}
    purposes = tuple(code for code in purpose_catalogue() if code in allowed)
    coverage = Coverage(day, tuple(pk for pk, _s, _p in found), sources, purposes)
    with contextlib.suppress(AttributeError):  # an object that takes no attributes is not kept
        setattr(user, _CACHE_ATTR, coverage)
    return coverage


def forget_coverage(user: Any) -> None:
    """Drop the kept answer (after the user's agreements changed within one request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def sources_for(user: Any, day: date | None = None) -> frozenset[Source]:
    """The sources the user may read on a child today: the role's, narrowed by the agreements."""
    return policy_for(getattr(user, "role", "")).sources & coverage_for(user, day).sources


def purposes_for(user: Any, day: date | None = None) -> tuple[str, ...]:
    """The purposes the user may choose for a working session (empty: no agreement in force)."""
    return coverage_for(user, day).purposes


def policy_of(user: Any, day: date | None = None) -> RolePolicy:
    """The role's policy as the agreements in force today let this user exercise it.

    Sources and export sources are narrowed to what an agreement covers. A role that reads
    personal data but is covered for no source reads none (its scope becomes NONE), so the
    scoped selectors give it no children at all rather than children without their sources."""
    base = policy_for(getattr(user, "role", ""))
    if not base.sources:
        return base
    sources = base.sources & coverage_for(user, day).sources
    if sources == base.sources:
        return base
    narrowed = replace(base, sources=sources, export_sources=base.export_sources & sources)
    if not sources and base.reads_personal_data:
        narrowed = replace(narrowed, scope=AreaScope.NONE)
    return narrowed
