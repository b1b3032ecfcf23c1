"""What a phone may hold, and who sees which devices and conflicts.

A phone holds only the children its user records for: under-fives (the forms are weighing and
PMT) of the user's own area, read through the scoped selector. A district-wide user (Dinkes)
names the desa she works in on this trip; the whole district never goes onto one phone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import children_visible_to, desa_visible_to
from satuanak.common import clock
from satuanak.lapangan.models import Device, SyncRecord
from satuanak.lapangan.services import FieldError

MAX_CHILDREN = 3000  # a puskesmas area's under-fives; more than a phone should carry
MAX_AGE_YEARS = 6  # under-fives, with a year's margin so a child turning five is not dropped mid-trip
MAX_DESA_NAMED = 20


def _birth_cutoff(today: date) -> date:
    try:
        return today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - MAX_AGE_YEARS, day=28)


def children_for_device(*, user: Any, desa_codes: list[str]) -> tuple[list[dict[str, Any]], bool]:
    """(children, truncated): the under-fives of the user's area, or of the named desa of it."""
    caps = policy_for(getattr(user, "role", "")).capabilities
    if not caps & {Capability.RECORD_MEASUREMENTS, Capability.RECORD_INTERVENTIONS}:
        return [], False
    area = desa_visible_to(user)
    codes = [c.strip() for c in desa_codes if c.strip()][:MAX_DESA_NAMED]
    if codes:
        area = area.filter(code__in=codes)
    elif area.count() > 40:  # a district-wide role: name the desa of this trip
        raise FieldError(
            "Pilih desa yang akan dikunjungi (paling banyak 20). / Choose the desa of this trip (at most 20)."
        )
    qs = (
        children_visible_to(user)
        .filter(desa__in=area, birth_date__gte=_birth_cutoff(clock.today()))
        .select_related("desa")
        .order_by("desa__code", "name", "id")
    )
    rows = list(qs[: MAX_CHILDREN + 1])
    items = [
        {
            "id": c.pk,
            "name": c.name,
            "sex": c.sex,
            "birth_date": c.birth_date,
            "desa_code": c.desa.code if c.desa else None,
            "desa_name": c.desa.name if c.desa else None,
            "mother_name": c.mother_name,
        }
        for c in rows[:MAX_CHILDREN]
    ]
    return items, len(rows) > MAX_CHILDREN


def devices_visible_to(user: Any) -> QuerySet[Device]:
    """One's own devices; the data steward (who manages users) sees every device."""
    qs = Device.objects.select_related("user", "token", "revoked_by")
    if Capability.MANAGE_USERS in policy_for(getattr(user, "role", "")).capabilities:
        return qs
    return qs.filter(user=user)


def conflicts_visible_to(user: Any) -> QuerySet[SyncRecord]:
    """Synced records of children in the user's area that disagree with the server."""
    if Capability.RESOLVE_FIELD_CONFLICTS not in policy_for(getattr(user, "role", "")).capabilities:
        return SyncRecord.objects.none()
    return (
        SyncRecord.objects.filter(child__in=children_visible_to(user))
        .exclude(conflict={})
        .select_related("child", "desa", "device__user", "resolved_by")
        .order_by("-received_at", "-id")
    )
