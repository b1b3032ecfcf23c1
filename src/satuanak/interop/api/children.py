"""Children: who the caller may see, one child, and what the caller is. Scoped and audited by
the same selectors as the pages (access/selectors.py); NIK and KK masked as on the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from satuanak.access.agreements import policy_of
from satuanak.access.policy import Capability
from satuanak.access.selectors import (
    ChildListFilters,
    access_child_by_id,
    child_records_visible_to,
    children_list,
    desa_visible_to,
)
from satuanak.core.masking import mask_identity_number
from satuanak.flags.selectors import child_flags_visible_to
from satuanak.interop.api.auth import need
from satuanak.interop.api.errors import ERRORS
from satuanak.persons.models import Child

router = Router(tags=["anak / children"])

MAX_LIMIT = 200


class MeOut(Schema):
    username: str
    role: str
    area_level: str
    desa_codes: list[str] = Field(description="desa whose children the user may see (empty: none)")
    capabilities: list[str]
    sources: list[str] = Field(description="sources whose records the user may see on a child")


class Page(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class ChildFilters(Page):
    q: str = Field("", max_length=100, description="part of the name, or the whole NIK")
    desa: str = Field("", max_length=13, description="Kemendagri desa code, e.g. 61.07.01.2001")
    penanda: str = Field("", max_length=40, description="flag code: children flagged in its latest quarter")


class ChildItem(Schema):
    id: int
    name: str
    sex: str
    birth_date: date | None
    desa_code: str | None
    desa_name: str | None
    nik_masked: str


class ChildPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ChildItem]


class RecordOut(Schema):
    source: str
    observed_on: date | None
    summary: dict[str, Any]


class FlagOut(Schema):
    code: str
    title_id: str
    title_en: str
    period: str
    status: str
    observed_on: date | None
    reason_id: str
    reason_en: str


class ChildDetail(ChildItem):
    kk_masked: str
    mother_name: str
    in_siak: bool
    records: list[RecordOut]
    flags: list[FlagOut]


def _item(child: Child) -> dict[str, Any]:
    return {
        "id": child.pk,
        "name": child.name,
        "sex": child.sex,
        "birth_date": child.birth_date,
        "desa_code": child.desa.code if child.desa else None,
        "desa_name": child.desa.name if child.desa else None,
        "nik_masked": mask_identity_number(child.nik),
    }


@router.get("saya/", response={200: MeOut, **ERRORS}, summary="Who the token stands for, and what it may do")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    policy = policy_of(user)
    return {
        "username": user.get_username(),
        "role": getattr(user, "role", ""),
        "area_level": getattr(user, "area_level", ""),
        "desa_codes": list(desa_visible_to(user).order_by("code").values_list("code", flat=True)),
        "capabilities": sorted(c.value for c in policy.capabilities),
        "sources": sorted(s.value for s in policy.sources),
    }


@router.get("anak/", response={200: ChildPage, **ERRORS}, summary="Children the caller may see (paginated)")
def child_list(request: HttpRequest, filters: Query[ChildFilters]) -> dict[str, Any]:
    user = need(request, Capability.VIEW_CHILDREN)
    qs = children_list(
        user=user,
        filters=ChildListFilters(
            query=filters.q.strip(), desa_code=filters.desa.strip(), flag=filters.penanda
        ),
        request=request,
    )
    count = qs.count()
    rows = qs.select_related("desa")[filters.offset : filters.offset + filters.limit]
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_item(c) for c in rows],
    }


@router.get("anak/{child_id}/", response={200: ChildDetail, **ERRORS}, summary="One child: records and flags")
def child_detail(request: HttpRequest, child_id: int) -> dict[str, Any]:
    user = need(request, Capability.VIEW_CHILDREN)
    if not 0 < child_id < 2**31:
        # Outside any id the database can hold: the same answer as an unknown child.
        child_id = 0
    child = access_child_by_id(user=user, child_id=child_id, request=request)
    records = child_records_visible_to(user=user, child=child).order_by("source", "-observed_on", "id")[:500]
    flags = []
    for f in child_flags_visible_to(user=user, child_id=child.pk):
        latest = f["latest"]
        flags.append(
            {
                "code": f["code"],
                "title_id": f["title_id"],
                "title_en": f["title_en"],
                "period": latest.period,
                "status": latest.status,
                "observed_on": latest.observed_on,
                "reason_id": latest.reason_id,
                "reason_en": latest.reason_en,
            }
        )
    return _item(child) | {
        "kk_masked": mask_identity_number(child.kk_number),
        "mother_name": child.mother_name,
        "in_siak": child.in_siak,
        "records": [
            {"source": r.source, "observed_on": r.observed_on, "summary": r.summary} for r in records
        ],
        "flags": flags,
    }
