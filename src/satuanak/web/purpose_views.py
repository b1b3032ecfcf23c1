"""`/tujuan/`: choose the purpose of this working session (issue 18 part 2).

The access gate sends a user here the first time a session opens personal data (and again if an
agreement that allowed the chosen purpose has ended). The page offers the purposes the user's
agreements in force allow, stores the choice in the session, audits it, and goes back to the
page that was asked for. A user covered by no agreement sees why and whom to ask.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from satuanak.access.agreements import agreements_in_force, coverage_for, purpose_catalogue
from satuanak.access.decorators import signed_in_view
from satuanak.access.purpose import PurposeError, purpose_choose, session_purpose


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


@signed_in_view
@require_http_methods(["GET", "POST"])
def purpose(request: HttpRequest) -> HttpResponse:
    error, status = "", 200
    if request.method == "POST":
        try:
            purpose_choose(request=request, code=request.POST.get("tujuan", ""))
        except PurposeError as exc:
            error, status = str(exc), 400
        else:
            return redirect(_next(request))
    coverage = coverage_for(request.user)
    catalogue = purpose_catalogue()
    return render(
        request,
        "web/purpose.html",
        {
            "purposes": [catalogue[code] for code in coverage.purposes],
            "agreements": agreements_in_force(
                agency_id=getattr(request.user, "agency_id", None), day=coverage.day
            ),
            "current": session_purpose(request),
            "next": _next(request),
            "error": error,
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [path("tujuan/", purpose, name="purpose")]
