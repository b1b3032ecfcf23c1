"""The grouped main menu: every link reverses, each shows only to roles that may open it, and a
group with a single link for the user collapses into that link."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import resolve, reverse

from satuanak.access.decorators import access_rule_of
from satuanak.access.policy import policy_for
from satuanak.web.nav import MENU, NavGroup, NavLink, ShownGroup, ShownLink, menu_for


def _links() -> list[NavLink]:
    return [link for item in MENU for link in (item.links if isinstance(item, NavGroup) else (item,))]


def _flat(menu: list[ShownLink | ShownGroup]) -> dict[str, ShownLink]:
    """href -> link (labels repeat: "Halo Remaja" is the public page or the counsellors' queue)."""
    out: dict[str, ShownLink] = {}
    for item in menu:
        for link in item.links if isinstance(item, ShownGroup) else (item,):
            out[link.href] = link
    return out


@pytest.mark.django_db
def test_each_role_sees_exactly_the_links_whose_page_it_may_open(personas: dict[str, Any]) -> None:
    for user in [AnonymousUser(), *personas.values()]:
        shown = {link.href for link in _flat(menu_for(user, "")).values()}
        for link in _links():
            href = reverse(link.url_name)
            match = resolve(href)
            rule = access_rule_of(match.func)
            if rule is None or rule.capability is None:
                continue  # public pages and the admin: shown by their own rule
            may_open = user.is_authenticated and rule.capability in policy_for(user.role).capabilities
            assert (href in shown) == may_open, (getattr(user, "username", "anon"), link.label)


@pytest.mark.django_db
def test_groups_collapse_and_the_current_page_is_marked(personas: dict[str, Any]) -> None:
    steward = menu_for(personas["steward"], "referral-inbox")
    groups = {i.label: i for i in steward if isinstance(i, ShownGroup)}
    assert {"Anak", "Program", "Data"} <= set(groups)
    assert groups["Anak"].current and not groups["Data"].current
    assert [link.label for link in groups["Anak"].links if link.current] == ["Rujukan"]
    # a birth operator has one Adminduk link: shown as a plain link, not a group
    operator = menu_for(personas["bidan_rsud"], "")
    assert any(isinstance(i, ShownLink) and i.label == "3-in-1" for i in operator)
    assert not any(isinstance(i, ShownGroup) and i.label == "Adminduk" for i in operator)
    # fewer top-level entries than links for the steward: that was the point
    assert len(steward) < len(_flat(steward))


@pytest.mark.django_db
def test_the_header_renders_the_groups(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["dinkes"])
    html = client.get("/anak/").content.decode()
    assert '<details class="nav-group" data-current="true">' in html
    assert 'href="/anak/" aria-current="page">Data anak</a>' in html
