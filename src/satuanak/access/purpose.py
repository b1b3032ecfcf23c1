"""The purpose of a working session (issue 18 part 2; UU 27/2022 purpose limitation).

A user who opens personal data chooses, once per session, one purpose from those their
agreements in force allow (access/agreements.py `purposes_for`). The access gate refuses a
personal-data page while the session holds none, or holds one no agreement allows any more
(an agreement ended meanwhile); every audit entry written during the session carries the code
(audit/services.py), so the per-agency report can say what was read under which purpose.
Signing out ends the session and the purpose with it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from satuanak.access.agreements import purpose_catalogue, purposes_for
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record

SESSION_KEY = "satuanak_purpose"


class PurposeError(ValueError):
    """A purpose the user may not choose (the message is bilingual)."""


def session_purpose(request: HttpRequest) -> str:
    """The purpose code chosen for this session ("" if none)."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    value = session.get(SESSION_KEY, "")
    return value if isinstance(value, str) else ""


def allowed_session_purpose(request: HttpRequest) -> str:
    """The session's purpose if the user's agreements in force still allow it, else ""."""
    chosen = session_purpose(request)
    return chosen if chosen and chosen in purposes_for(request.user) else ""


def purpose_choose(*, request: HttpRequest, code: str) -> str:
    """Store the purpose for the rest of the session; audited."""
    user: Any = request.user
    allowed = purposes_for(user)
    if not allowed:
        raise PurposeError(
            "Tidak ada perjanjian berbagi data yang berlaku untuk instansi Anda; hubungi pengelola "
            "data. / No data-sharing agreement in force covers your agency; contact the data steward."
        )
    if code not in allowed:
        raise PurposeError(
            "Pilih salah satu tujuan yang diizinkan perjanjian. / Choose one of the purposes the "
            "agreements allow."
        )
    request.session[SESSION_KEY] = code
    label = purpose_catalogue()[code].label
    audit_record(
        action=AuditAction.PURPOSE_CHOSEN,
        actor=user,
        request=request,
        purpose=label,
        detail={"purpose": code},
    )
    return code
