"""/akun/token/: a user's own API tokens — make one for a device or an app (the secret is shown
once), see when each was last used, revoke it. A token acts as its user (interop/tokens.py), so
these pages only ever show and change the signed-in user's own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from satuanak.access.agreements import purpose_catalogue, purposes_for
from satuanak.access.decorators import signed_in_view
from satuanak.access.policy import policy_for
from satuanak.interop.tokens import DEFAULT_DAYS, MAX_DAYS, TokenError, token_create, token_revoke, tokens_of


@signed_in_view
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    shown_once = ""  # the new token's secret: in this response only
    error = ""
    status = 200
    if request.method == "POST":
        try:
            days = int(request.POST.get("hari") or DEFAULT_DAYS)
        except ValueError:
            days = 0
        try:
            _token, shown_once = token_create(
                user=request.user,
                name=request.POST.get("nama", ""),
                days=days,
                purpose=request.POST.get("tujuan", ""),
                request=request,
            )
        except TokenError as exc:
            error, status = str(exc), 400
    catalogue = purpose_catalogue()
    response = render(
        request,
        "web/tokens.html",
        {
            "tokens": tokens_of(request.user)[:50],
            "secret": shown_once,
            "error": error,
            "default_days": DEFAULT_DAYS,
            "max_days": MAX_DAYS,
            # A token reads personal data only under a purpose the user's agreements allow.
            "purposes": [catalogue[c] for c in purposes_for(request.user)]
            if policy_for(request.user.role).reads_personal_data  # type: ignore[union-attr]
            else [],
            "purpose_labels": {c: p.label for c, p in catalogue.items()},
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the secret is in this page once: never cached
    return response


@signed_in_view
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = tokens_of(request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404("Token tidak ditemukan / token not found")
    token_revoke(token=token, by=request.user, request=request)
    messages.success(request, "Token dicabut. / Token revoked.")
    return redirect("web:tokens")


urlpatterns: list[URLPattern] = [
    path("akun/token/", token_list, name="tokens"),
    path("akun/token/<int:token_id>/cabut/", token_revoke_view, name="token-revoke"),
]
