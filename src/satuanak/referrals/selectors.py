"""Reading referrals and screenings, always for a user.

Who acts for a unit: the users of the unit's agency (`ServiceUnit.agency`). Who sees a
referral (`referrals_visible_to`): a role that reads personal data, when the child lies in the
user's area (access/selectors.py), or the user wrote it, or the user's agency acts for the
unit that sent it or the unit it was sent to (a receiving unit must see the children sent to
it, wherever they live). A violence-related referral (`is_protection`) is further limited to
its author and the roles whose policy lets them see SIMFONI violence cases (protection
officers): a teacher may report a case, but the school's colleagues, the health office and
the data steward do not read it afterwards.

Screenings are seen by whoever may see the child.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from satuanak.access.agreements import policy_of
from satuanak.access.policy import AreaScope, Capability
from satuanak.access.selectors import children_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.core.sources import Source
from satuanak.persons.models import Child
from satuanak.referrals import transitions as t
from satuanak.referrals.models import DevelopmentScreening, Referral, ReferralAttachment, ServiceUnit


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def units_acting_for(user: Any) -> QuerySet[ServiceUnit]:
    """The active units the user acts for: those of the user's agency."""
    agency_id = getattr(user, "agency_id", None)
    if not _authenticated(user) or agency_id is None:
        return ServiceUnit.objects.none()
    return ServiceUnit.objects.filter(agency_id=agency_id, active=True)


def sending_units_for(user: Any) -> QuerySet[ServiceUnit]:
    """Units the user may send a referral from: the units the user's agency acts for (a
    receiving unit may refer on, e.g. UPTD PPA to PUSPAGA), and for a district-wide role (the
    health or education office) also any sending unit, on its behalf: the referral records who
    wrote it."""
    policy = policy_of(user)
    if not _authenticated(user) or Capability.HANDLE_REFERRALS not in policy.capabilities:
        return ServiceUnit.objects.none()
    own = Q(pk__in=units_acting_for(user).values("pk"))
    if policy.scope == AreaScope.DISTRICT:
        own |= Q(receives=False)
    return ServiceUnit.objects.filter(own, active=True)


def receiving_units() -> QuerySet[ServiceUnit]:
    return ServiceUnit.objects.filter(active=True, receives=True)


def may_read_protection(user: Any) -> bool:
    return Source.SIMFONI in policy_of(user).sources


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """Every referral the user may read (see the module docstring)."""
    policy = policy_of(user)
    if not _authenticated(user) or not policy.reads_personal_data:
        return Referral.objects.none()
    acting = units_acting_for(user)
    reach = (
        Q(child__in=children_visible_to(user))
        | Q(created_by=user)
        | Q(from_unit__in=acting)
        | Q(to_unit__in=acting)
    )
    qs = Referral.objects.filter(reach)
    if not may_read_protection(user):
        qs = qs.filter(Q(is_protection=False) | Q(created_by=user))
    return qs.select_related("child", "from_unit", "to_unit", "created_by")


def referrals_inbox(user: Any) -> QuerySet[Referral]:
    """Referrals sent to the units the user acts for, newest first."""
    return referrals_visible_to(user).filter(to_unit__in=units_acting_for(user)).order_by("-sent_on", "-id")


def referrals_outbox(user: Any) -> QuerySet[Referral]:
    """Referrals the user wrote or that the user's units sent, newest first."""
    return (
        referrals_visible_to(user)
        .filter(Q(from_unit__in=units_acting_for(user)) | Q(created_by=user))
        .order_by("-sent_on", "-id")
    )


def referrals_overdue(user: Any, *, today: date | None = None) -> QuerySet[Referral]:
    """Referrals to the user's units still waiting after their due date (transitions.is_overdue),
    grouped by receiving unit, oldest due first."""
    today = today or clock.today()
    return (
        referrals_inbox(user)
        .filter(status__in=sorted(t.WAITING), due_on__lt=today)
        .order_by("to_unit__name", "due_on", "id")
    )


def referrals_for_child(user: Any, child: Child) -> QuerySet[Referral]:
    """The child's referrals the user may read (for the child's page), newest first;
    violence-related ones only for their author and protection officers."""
    return referrals_visible_to(user).filter(child=child).order_by("-sent_on", "-id")


def referral_get(*, user: Any, referral_id: int, request: HttpRequest | None = None) -> Referral:
    """One referral for the user, audited; missing and hidden give the same Http404."""
    referral = referrals_visible_to(user).select_related("child__desa").filter(pk=referral_id).first()
    if referral is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="referral",
            subject_id=referral_id,
            detail={"reason": "referral not visible or not found"},
        )
        raise Http404("Rujukan tidak ditemukan / referral not found")
    audit_record(
        action=AuditAction.CHILD_VIEWED,
        actor=user,
        request=request,
        subject_type="referral",
        subject_id=referral.pk,
        desa_code=referral.child.desa.code if referral.child.desa else "",
        detail={"child": referral.child_id},
    )
    return referral


def attachment_get(
    *, user: Any, attachment_id: int, request: HttpRequest | None = None
) -> ReferralAttachment:
    """An attachment of a referral the user may read, audited as a download; else Http404."""
    item = (
        ReferralAttachment.objects.filter(pk=attachment_id, referral__in=referrals_visible_to(user))
        .select_related("referral__child__desa")
        .first()
    )
    if item is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="referral_attachment",
            subject_id=attachment_id,
            detail={"reason": "attachment not visible or not found"},
        )
        raise Http404("Lampiran tidak ditemukan / attachment not found")
    child = item.referral.child
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=user,
        request=request,
        subject_type="referral_attachment",
        subject_id=item.pk,
        desa_code=child.desa.code if child.desa else "",
        detail={"referral": item.referral_id, "child": child.pk, "sha256": item.sha256},
    )
    return item


def screenings_for_child(user: Any, child: Child) -> QuerySet[DevelopmentScreening]:
    """The child's developmental screenings, newest first, if the user may see the child."""
    if not children_visible_to(user).filter(pk=child.pk).exists():
        return DevelopmentScreening.objects.none()
    return (
        DevelopmentScreening.objects.filter(child=child)
        .select_related("recorded_by", "referral")
        .order_by("-screened_on", "-id")
    )
