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
