"""The fields of an intervention as it arrives from outside the pages (the API, the field app):
one definition for both, before `intervention_record` checks it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class InterventionFields(BaseModel):
    child_id: int = Field(..., ge=1, le=2**31 - 1)
    kind: str = Field(
        ..., max_length=30, description="pmt, home_visit, counselling, immunisation_catch_up, ..."
    )
    start_date: date
    end_date: date | None = None
    programme: str = Field("", max_length=100)
    place: str = Field("", max_length=200)
    answers_flag: str = Field("", max_length=40)
    notes: str = Field("", max_length=4000)
