"""The fields of a mobile-unit visit as it arrives from outside the pages (the API, the field
app): one definition for both, before `visit_record` checks it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class VisitFields(BaseModel):
    desa_code: str = Field(..., max_length=13)
    date: date
    services: list[str] = Field(..., min_length=1, max_length=10, description="akta, kia, kk, ktp_el, other")
    documents: dict[str, int] = Field(default_factory=dict, description="documents issued per service")
    team: str = Field("", max_length=200)
    notes: str = Field("", max_length=4000)
