"""Template helpers for the page header."""

from __future__ import annotations

from typing import Any

from django import template

from satuanak.web.selectors import UserBadge, user_badge

register = template.Library()


@register.simple_tag
def header_user_badge(user: object) -> UserBadge | None:
    """The logged-in user's name, role and area; None for anonymous visitors.

    A tag rather than a context processor because the settings module belongs to the project
    as a whole and only pages that extend base.html need this.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    return user_badge(user)  # type: ignore[arg-type]


@register.simple_tag(takes_context=True)
def main_menu(context: Any) -> list[Any]:
    """The grouped main menu for the signed-in (or anonymous) user on this page (web/nav.py)."""
    from satuanak.web.nav import menu_for

    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return menu_for(getattr(request, "user", None), getattr(match, "url_name", "") or "")


@register.filter
def can(user: object, capability: str) -> bool:
    """`{% if user|can:"view_children" %}`: whether the user's role holds a capability
    (access/policy.py). Only for showing links; the gate decides access."""
    from satuanak.access.policy import Capability, role_can

    if not getattr(user, "is_authenticated", False):
        return False
    return role_can(getattr(user, "role", ""), Capability(capability))


@register.filter
def get_item(mapping: object, key: object) -> object:
    """`{{ labels|get_item:code }}`: a dict's value in a template (None when absent)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag(takes_context=True)
def purpose_label(context: Any) -> str:
    """The label of the purpose chosen for this session ("" if none), for the header."""
    from satuanak.access.agreements import purpose_catalogue
    from satuanak.access.purpose import session_purpose

    request = context.get("request")
    if request is None:
        return ""
    code = session_purpose(request)
    found = purpose_catalogue().get(code) if code else None
    return found.label if found else ""


@register.simple_tag(takes_context=True)
def governance_warnings(context: Any) -> list[dict[str, str]]:
    """For the data steward, on every page until dealt with: agreements lapsing within 30 days,
    agencies covered by none, people's requests due within a day or overdue, incidents whose
    notification is overdue. Kept five minutes (it is the same for every page), dropped at once
    by the services that change what it counts (governance.selectors.warnings_forget)."""
    from django.core.cache import cache
    from django.urls import reverse

    from satuanak.access.policy import Capability, role_can
    from satuanak.common.clock import today
    from satuanak.governance.selectors import (
        WARNINGS_CACHE_KEY,
        agencies_without_agreement,
        agreements_lapsing,
        incidents_overdue,
        subject_requests_due_soon,
        subject_requests_overdue,
    )

    request = context.get("request")
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False) or not role_can(
        getattr(user, "role", ""), Capability.MANAGE_DATA_GOVERNANCE
    ):
        return []
    day = today()

    def compute() -> list[dict[str, str]]:
        agreements, requests_url = reverse("web:governance-agreements"), reverse("web:governance-requests")
        notes = [
            {
                "text": f"Perjanjian {r.agreement.number} berakhir dalam {r.days_left} hari / "
                f"lapses in {r.days_left} days",
                "href": agreements,
            }
            for r in agreements_lapsing(day)
        ]
        if uncovered := agencies_without_agreement(day):
            notes.append(
                {
                    "text": f"{len(uncovered)} instansi tanpa perjanjian berlaku / "
                    "agencies without an agreement in force",
                    "href": agreements,
                }
            )
        if late := subject_requests_overdue():
            notes.append(
                {
                    "text": f"{late} permintaan subjek data lewat batas / requests overdue",
                    "href": requests_url,
                }
            )
        if soon := subject_requests_due_soon():
            notes.append(
                {
                    "text": f"{soon} permintaan jatuh tempo dalam 24 jam / due within a day",
                    "href": requests_url,
                }
            )
        if incidents := incidents_overdue():
            notes.append(
                {
                    "text": f"{incidents} insiden belum diberitahukan, lewat 3 × 24 jam / incidents overdue",
                    "href": reverse("web:governance-incidents"),
                }
            )
        return notes

    kept = cache.get(WARNINGS_CACHE_KEY)
    if kept is not None and kept[0] == day:
        return list(kept[1])
    notes = compute()
    cache.set(WARNINGS_CACHE_KEY, (day, notes), timeout=300)
    return notes
