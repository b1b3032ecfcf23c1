"""Audit every sign-out, whichever path caused it (the logout button, the admin's own logout,
the idle and absolute session limits), by listening to Django's `user_logged_out`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common.middleware import LOGOUT_REASON_ATTR


@receiver(user_logged_out, dispatch_uid="satuanak_accounts_audit_logout")
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # the session had no signed-in user: nothing to record
        return
    reason = getattr(request, LOGOUT_REASON_ATTR, "user") if request is not None else "user"
    audit_record(
        action=AuditAction.LOGOUT,
        actor=user,
        request=request,
        subject_type="user",
        subject_id=user.pk,
        detail={"reason": reason},
    )
