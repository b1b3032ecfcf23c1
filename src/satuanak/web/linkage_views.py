"""The linkage review queue: uncertain pairs side by side, decided by an entitled user."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.linkage.models import ReviewPair
from satuanak.linkage.selectors import access_review_pair, latest_run, pair_sides, review_queue
from satuanak.linkage.services import linkage_default_as_of, linkage_run_running, review_decide
from satuanak.linkage.tasks import linkage_run_task
from satuanak.sources import ADAPTERS

COMPARISON_LABELS = {
    "name": "Nama / name",
    "dob": "Tanggal lahir / birth date",
    "sex": "Jenis kelamin / sex",
    "mother": "Ibu / mother",
    "desa": "Desa",
    "kk": "No. KK",
}


def _format(record_id: str) -> str:
    adapter = ADAPTERS.get(record_id.split(":", 1)[0])
    return adapter.title_short if adapter else record_id.split(":", 1)[0]


@personal_data_view(Capability.REVIEW_LINKAGE)
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ReviewPair.Status.OPEN)
    if status not in ReviewPair.Status.values:
        status = ReviewPair.Status.OPEN
    pairs = review_queue(user=request.user, status=status, request=request)
    page = Paginator(pairs, 50).get_page(request.GET.get("hal"))
    for pair in page:
        pair.formats = f"{_format(pair.record_l)} ↔ {_format(pair.record_r)}"  # type: ignore[attr-defined]
    return render(
        request,
        "web/review_list.html",
        {
            "page": page,
            "status": status,
            "statuses": ReviewPair.Status.choices,
            "run": latest_run(),
            "running": linkage_run_running(),
            "as_of": linkage_default_as_of(),
        },
    )


@personal_data_view(Capability.REVIEW_LINKAGE)
@require_http_methods(["POST"])
def linkage_start(request: HttpRequest) -> HttpResponse:
    """Start a run in the background (decisions take effect; new imports are linked)."""
    if linkage_run_running() is None:
        linkage_run_task.enqueue(
            user_id=request.user.pk,
            as_of=linkage_default_as_of().isoformat(),
            full=request.POST.get("penuh") == "1",
        )
    return redirect("web:review-list")


@personal_data_view(Capability.REVIEW_LINKAGE)
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = access_review_pair(user=request.user, pair_id=pair_id, request=request)
    error = ""
    if request.method == "POST":
        decision = request.POST.get("keputusan", "")
        if decision not in ("sama", "beda"):
            error = "Pilih: orang yang sama atau orang berbeda. / Choose: same person or different people."
        else:
            review_decide(
                pair=pair,
                user=request.user,
                accept=decision == "sama",
                note=request.POST.get("catatan", ""),
                request=request,
            )
            nxt = (
                review_queue(user=request.user, status=ReviewPair.Status.OPEN, request=request)
                .exclude(pk=pair.pk)
                .first()
            )
            return redirect("web:review-detail", pair_id=nxt.pk) if nxt else redirect("web:review-list")
    weights = [
        {"label": COMPARISON_LABELS.get(k, k), "weight": w, "width": min(abs(w) * 6, 100)}
        for k, w in sorted(pair.weights.items(), key=lambda kv: -abs(kv[1]))
    ]
    return render(
        request,
        "web/review_detail.html",
        {"pair": pair, "sides": pair_sides(pair), "weights": weights, "error": error},
        status=400 if error else 200,
    )
