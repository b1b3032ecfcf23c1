"""Every view declares who may reach it; the gate middleware refuses views that do not.

Four kinds of view:
- `public_view`: anyone, signed in or not; must show no personal data (maps, login, health).
- `signed_in_view`: any signed-in user; shows no personal data (their own account pages).
- `personal_data_view(capability)`: reads personal data; the user's role must hold the
  capability (access/policy.py). The view then reads only through the scoped selectors in
  access/selectors.py, which apply the user's area. A capability in PURPOSE_CAPABILITIES also
  needs a purpose chosen for the session; a view of such a capability that shows no child's data
  (the steward's agreements and incident log) says `purpose=False`.

A view without one of these marks is refused by `AccessGateMiddleware` (fails closed, as
CommCare's `@location_safe`): a forgotten check cannot leak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from satuanak.access.policy import PURPOSE_CAPABILITIES, Capability

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])

ACCESS_ATTR = "satuanak_access"


@dataclass(frozen=True)
class AccessRule:
    kind: str  # "public" | "signed_in" | "personal" | "api"
    capability: Capability | None = None
    needs_purpose: bool = False


def _mark(view: ViewFunc, rule: AccessRule) -> ViewFunc:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    setattr(wrapped, ACCESS_ATTR, rule)
    return wrapped  # type: ignore[return-value]


def public_view(view: ViewFunc) -> ViewFunc:
    return _mark(view, AccessRule(kind="public"))


def signed_in_view(view: ViewFunc) -> ViewFunc:
    return _mark(view, AccessRule(kind="signed_in"))


def personal_data_view(capability: Capability, *, purpose: bool = True) -> Callable[[ViewFunc], ViewFunc]:
    needs_purpose = purpose and capability in PURPOSE_CAPABILITIES

    def decorate(view: ViewFunc) -> ViewFunc:
        return _mark(view, AccessRule(kind="personal", capability=capability, needs_purpose=needs_purpose))

    return decorate


def access_rule_of(view: Callable[..., Any]) -> AccessRule | None:
    return getattr(view, ACCESS_ATTR, None)
