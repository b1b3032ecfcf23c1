"""Aggregates: per desa and kecamatan, per flag, per quarter — the same disclosure-controlled
figures as the public map (small counts shown as "<5", complementary cells hidden), for any
token whose role reads aggregates; and the exact counts as a DHIS2 dataValueSets payload for
roles that send them to another government system."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from satuanak.access.policy import Capability
from satuanak.flags.selectors import map_data
from satuanak.interop.api.auth import need
from satuanak.interop.api.errors import ERRORS, ApiError

router = Router(tags=["agregat / aggregates"])


class AggregateQuery(Schema):
    penanda: str = Field(..., pattern="^[a-z0-9_]{1,40}$", description="flag code, e.g. stunting")
    periode: str = Field(
        "", pattern="^([0-9]{4}Q[1-4])?$", description="quarter, e.g. 2024Q4 (default: latest)"
    )


class Cell(Schema):
    level: str
    area_code: str
    n: int | str | None = Field(description="count; '<5' or '*' where suppressed")
    d: int | None
    rate: float | None
    lo: float | None
    hi: float | None


class AggregateOut(Schema):
    code: str
    period: str | None
    periods: list[str]
    data_date: str | None
    rule: str
    cells: list[Cell]


@router.get(
    "agregat/", response={200: AggregateOut, **ERRORS}, summary="Suppressed counts and rates per area"
)
def aggregates(request: HttpRequest, q: Query[AggregateQuery]) -> dict[str, Any]:
    need(request, Capability.VIEW_AGGREGATES)
    data = map_data(code=q.penanda, period=q.periode or None)
    if data is None:
        raise ApiError(
            404,
            "unknown_flag_or_period",
            "Penanda atau periode tidak dikenal (penanda kekerasan tidak dipublikasikan per desa).",
            "Unknown flag or period (violence cases are not published per desa).",
        )
    cells: list[dict[str, Any]] = []
    for level, key in (("desa", "desa"), ("kecamatan", "kecamatan")):
        for code, cell in sorted(data[key].items()):
            cells.append(
                {"level": level, "area_code": code} | {k: cell.get(k) for k in ("n", "d", "rate", "lo", "hi")}
            )
    if data.get("kabupaten"):
        k = data["kabupaten"]
        cells.append(
            {
                "level": "district",
                "area_code": "61.07",
                "n": k["n"],
                "d": k["d"],
                "rate": k["rate"],
                "lo": None,
                "hi": None,
            }
        )
    return {
        "code": data["kode"],
        "period": data["periode"],
        "periods": data["periode_pilihan"],
        "data_date": data.get("tanggal_data"),
        "rule": data.get("aturan", data.get("pesan", "")),
        "cells": cells,
    }
