"""Writes of satuanak.governance: record an incident, record a notification, close it; open a
person's request about a child's data, produce the record it asks for, answer it and its
correction items.

Every input is checked here (the page passes the form's strings): a mistake is a GovernanceError
with a bilingual message, never a half-written row.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from satuanak.access.agreements import policy_of
from satuanak.access.policy import Capability
from satuanak.access.selectors import access_child_by_id, child_records_visible_to, children_visible_to
from satuanak.common import uploads
from satuanak.core.masking import mask_identity_number
from satuanak.core.sources import Source
from satuanak.governance.models import (
    GOLDEN_FIELDS,
    CorrectionItem,
    DataSharingAgreement,
    Incident,
    SubjectRequest,
)
from satuanak.governance.selectors import warnings_forget
from satuanak.persons.models import Child


class GovernanceError(ValueError):
    """A user's mistake (the message is bilingual)."""


def _when(text: str, what_id: str, what_en: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise GovernanceError(
            f"{what_id}: tanggal/jam tidak sah (TTTT-BB-HH JJ:MM). / {what_en}: invalid date/time."
        ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # the district's time zone (Asia/Pontianak)
    if value > timezone.now():
        raise GovernanceError(f"{what_id} di masa depan. / {what_en} is in the future.")
    return value


def _count(text: str, what_id: str, what_en: str) -> int:
    try:
        n = int(text.strip() or "0")
    except ValueError:
        raise GovernanceError(
            f"{what_id} harus bilangan bulat. / {what_en} must be a whole number."
        ) from None
    if not 0 <= n <= 10_000_000:
        raise GovernanceError(f"{what_id} di luar batas. / {what_en} out of range.")
    return n


def incident_record(
    *,
    user: Any,
    discovered_at: str,
    title: str,
    description: str,
    data_kinds: list[str],
    sources: list[str],
    children_affected: str,
    others_affected: str = "0",
    occurred_on: str = "",
    containment: str = "",
) -> Incident:
    found = _when(discovered_at, "Waktu diketahui", "Discovery time")
    title, description = title.strip(), description.strip()
    if not title or not description:
        raise GovernanceError("Isi judul dan uraian. / Give a title and a description.")
    kinds = [k for k in data_kinds if k]
    unknown = set(kinds) - set(Incident.DataKind.values)
    if not kinds or unknown:
        raise GovernanceError("Pilih jenis data yang terdampak. / Choose the kinds of data affected.")
    srcs = [s for s in sources if s]
    if set(srcs) - {s.value for s in Source}:
        raise GovernanceError("Sumber data tidak dikenal. / Unknown data source.")
    occurred = None
    if occurred_on.strip():
        try:
            occurred = date.fromisoformat(occurred_on.strip())
        except ValueError:
            raise GovernanceError("Tanggal kejadian tidak sah. / Invalid date of occurrence.") from None
        if occurred > found.date():
            raise GovernanceError(
                "Kejadian tidak bisa sesudah diketahui. / It cannot have happened after its discovery."
            )
    incident = Incident.objects.create(
        discovered_at=found,
        occurred_on=occurred,
        title=title[:200],
        description=description[:10_000],
        data_kinds=sorted(set(kinds)),
        sources=sorted(set(srcs)),
        children_affected=_count(children_affected, "Jumlah anak", "Children affected"),
        others_affected=_count(others_affected, "Jumlah orang lain", "Others affected"),
        containment=containment.strip()[:10_000],
        status=Incident.Status.CONTAINED if containment.strip() else Incident.Status.OPEN,
        recorded_by=user,
    )
    warnings_forget()  # the steward's banner (web_tags.governance_warnings) shows it at once
    return incident


def incident_notify(*, incident: Incident, whom: str, at: str, note: str = "") -> Incident:
    """Record that the supervising institution ("authority") or the people the data is about
    ("subjects") were notified, and when."""
    when = _when(at, "Waktu pemberitahuan", "Notification time")
    if when < incident.discovered_at:
        raise GovernanceError(
            "Pemberitahuan tidak bisa sebelum insiden diketahui. / "
            "A notification cannot precede the discovery."
        )
    if whom == "authority":
        incident.authority_notified_at = when
    elif whom == "subjects":
        incident.subjects_notified_at = when
    else:
        raise GovernanceError("Pilih siapa yang diberi tahu. / Choose who was notified.")
    if note.strip():
        stamp = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
        incident.notification_note = (incident.notification_note + f"\n[{stamp}] {note.strip()}").strip()[
            :10_000
        ]
    incident.save()
    warnings_forget()  # the steward's banner (web_tags.governance_warnings) shows it at once
    return incident


def incident_close(*, incident: Incident, containment: str = "") -> Incident:
    """Close an incident: only once both notifications are recorded and what was done is said."""
    if containment.strip():
        incident.containment = (incident.containment + "\n" + containment.strip()).strip()[:10_000]
    if not incident.containment:
        raise GovernanceError("Tulis penanganannya dahulu. / Describe what was done first.")
    if incident.authority_notified_at is None or incident.subjects_notified_at is None:
        raise GovernanceError(
            "Catat pemberitahuan ke lembaga dan ke subjek data dahulu. / "
            "Record the notifications to the institution and to the people affected first."
        )
    incident.status = Incident.Status.CLOSED
    incident.closed_at = timezone.now()
    incident.save()
    warnings_forget()  # the steward's banner (web_tags.governance_warnings) shows it at once
    return incident


# --- People's requests (UU 27/2022: access, correction, objection) ---------------------------

DEADLINES_FILE = Path("governance") / "request_deadlines.json"


def _deadlines_from(path: Path) -> dict[str, Any]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    kinds: dict[str, Any] = raw["kinds"]
    return kinds


def request_deadlines() -> dict[str, Any]:
    """Each kind's deadline and the articles it rests on (editable data, UNVERIFIED readings)."""
    kinds = _deadlines_from(Path(settings.SATUANAK_DATA_DIR) / DEADLINES_FILE)
    missing = set(SubjectRequest.Kind.values) - set(kinds)
    if missing:
        raise ValueError(f"{DEADLINES_FILE}: no deadline for {sorted(missing)}")
    return kinds


def request_deadline(kind: str) -> timedelta:
    return timedelta(hours=float(request_deadlines()[kind]["hours"]))


def child_for_request(*, user: Any, reference: str, request: HttpRequest | None = None) -> Child:
    """The child a request is about, by its id or its NIK, opened through the access chokepoint
    (scoped to the officer's area and audited). Unknown and out of scope look the same."""
    ref = reference.strip().replace(" ", "")
    not_found = GovernanceError(
        "Anak tidak ditemukan (isi id atau NIK 16 angka). / Child not found (give its id or 16-digit NIK)."
    )
    if not ref.isdigit() or len(ref) > 16:
        raise not_found
    if len(ref) == 16:
        found = children_visible_to(user).filter(nik=ref).values_list("pk", flat=True).first()
        if found is None:
            raise not_found
        child_id = int(found)
    else:
        child_id = int(ref)
    try:
        return access_child_by_id(user=user, child_id=child_id, request=request)
    except Http404:
        raise not_found from None


def _golden_value(child: Child, attribute: str) -> str:
    value = getattr(child, attribute)
    if value is None:
        return ""
    if attribute == "desa":
        return f"{value.name} ({value.code})"
    if attribute == "sex":
        return child.get_sex_display() if value else ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def subject_request_open(
    *,
    user: Any,
    child: Child,
    kind: str,
    requester_name: str,
    relationship: str,
    identity_check: str,
    details: str = "",
    received_at: str = "",
    corrections: dict[str, str] | None = None,
) -> SubjectRequest:
    """Record a request made through the officer (`user`) about `child` (already opened through
    `child_for_request`). Its deadline comes from the kind's (data/governance). A correction
    names the fields to change and the value asked for: each becomes an item routed to the
    agency whose source gave the current value (Child.field_sources; SIAK when none did)."""
    if kind not in SubjectRequest.Kind.values:
        raise GovernanceError("Pilih jenis permintaan. / Choose the kind of request.")
    name, check = requester_name.strip(), identity_check.strip()
    if not name:
        raise GovernanceError("Isi nama pemohon. / Give the requester's name.")
    if relationship not in SubjectRequest.Relationship.values:
        raise GovernanceError(
            "Pilih hubungan pemohon dengan anak. / Choose the requester's relationship to the child."
        )
    if not check:
        raise GovernanceError(
            "Tulis bagaimana identitas pemohon diperiksa. / Say how the requester's identity was checked."
        )
    if kind == SubjectRequest.Kind.OBJECTION and not details.strip():
        raise GovernanceError("Tulis isi keberatan dan alasannya. / Say what is objected to, and why.")
    received = timezone.now()
    if received_at.strip():
        received = _when(received_at, "Waktu diterima", "Time received")
    items: list[CorrectionItem] = []
    if kind == SubjectRequest.Kind.CORRECTION:
        known = {key: attribute for key, attribute, _label in GOLDEN_FIELDS}
        asked = {k: v.strip() for k, v in (corrections or {}).items() if v.strip()}
        if set(asked) - set(known):
            raise GovernanceError("Kolom tidak dikenal. / Unknown field.")
        if not asked:
            raise GovernanceError(
                "Isi paling sedikit satu nilai yang diminta. / Give at least one value to correct."
            )
        for key, wanted in asked.items():
            current = _golden_value(child, known[key])
            if wanted == current:
                raise GovernanceError(
                    f"{key}: nilai yang diminta sama dengan yang sekarang. / "
                    f"{key}: the value asked for is the current one."
                )
            if len(wanted) > 200:
                raise GovernanceError(f"{key}: nilai terlalu panjang. / {key}: value too long.")
            source = str(child.field_sources.get(key) or Source.SIAK.value)
            if source not in {s.value for s in Source}:
                source = Source.SIAK.value
            items.append(
                CorrectionItem(field=key, current_value=current[:200], requested_value=wanted, source=source)
            )
    with transaction.atomic():
        made = SubjectRequest.objects.create(
            kind=kind,
            child=child,
            requester_name=name[:200],
            relationship=relationship,
            identity_check=check[:2000],
            details=details.strip()[:10_000],
            received_at=received,
            due_at=received + request_deadline(kind),
            handled_by=user,
        )
        for item in items:
            item.request = made
        CorrectionItem.objects.bulk_create(items)
    warnings_forget()  # the steward's banner (web_tags.governance_warnings) shows it at once
    return made


def subject_record(child: Child, user: Any, request: HttpRequest | None = None) -> dict[str, Any]:
    """What the platform holds about the child, as the officer (`user`) may read it: every golden
    field with its value and the source it came from, and every linked source record (source,
    batch, row, date, its summary fields). Read through the access chokepoints (scoped, and the
    opening of the child audited); NIK and KK stay masked as in every export. Sources the
    officer's role may not read (violence cases: SIMFONI) are named as withheld, whether or not
    the child has a record there, and answered by the agency that holds them."""
    opened = access_child_by_id(user=user, child_id=child.pk, request=request)
    policy = policy_of(user)
    readable = {s.value for s in policy.sources}
    fields = []
    for key, attribute, label in GOLDEN_FIELDS:
        value = _golden_value(opened, attribute)
        if attribute in ("nik", "kk_number"):
            value = mask_identity_number(value)
        source = str(opened.field_sources.get(key) or "")
        shown = source if not source or source in readable else "withheld"
        fields.append(
            {
                "field": key,
                "label": label,
                "value": value,
                "source": shown,
                "source_label": Source(shown).label if shown in readable else shown,
            }
        )
    records = [
        {
            "source": r.source,
            "source_label": Source(r.source).label,
            "batch_id": r.batch_id,
            "row_number": r.row_number,
            "observed_on": r.observed_on.isoformat() if r.observed_on else None,
            "summary": r.summary,
        }
        for r in child_records_visible_to(user=user, child=opened).order_by("source", "observed_on", "id")
    ]
    return {
        "child_id": opened.pk,
        "produced_at": timezone.localtime().isoformat(timespec="seconds"),
        "produced_by": getattr(user, "username", ""),
        "fields": fields,
        "records": records,
        "withheld_sources": sorted(s.value for s in Source if s.value not in readable),
        "note": (
            "NIK dan No. KK disamarkan; sumber yang tidak boleh dibaca peran petugas dijawab oleh "
            "instansi pemiliknya. / NIK and KK number are masked; sources the officer's role may "
            "not read are answered by the agency that holds them."
        ),
    }


def correction_item_may_answer(user: Any, item: CorrectionItem) -> bool:
    """The item is in the user's agency's queue: a role that reads children and the item's
    source, and the child in the user's area."""
    policy = policy_of(user)
    if Capability.VIEW_CHILDREN not in policy.capabilities or item.source not in {
        s.value for s in policy.sources
    }:
        return False
    return children_visible_to(user).filter(pk=item.request.child_id).exists()


def correction_item_answer(*, user: Any, item_id: str, decision: str, note: str = "") -> CorrectionItem:
    """The source agency's answer to one item: applied (in its own system; the next import
    carries it here) or rejected, with a note (required for a rejection)."""
    try:
        pk = int(item_id)
    except ValueError:
        raise GovernanceError("Butir perbaikan tidak dikenal. / Unknown correction item.") from None
    item = CorrectionItem.objects.select_related("request").filter(pk=pk).first()
    if item is None or not correction_item_may_answer(user, item):
        raise GovernanceError("Butir perbaikan tidak dikenal. / Unknown correction item.")
    if item.status != CorrectionItem.Status.PENDING:
        raise GovernanceError("Butir ini sudah dijawab. / This item has already been answered.")
    if decision not in (CorrectionItem.Status.APPLIED, CorrectionItem.Status.REJECTED):
        raise GovernanceError("Pilih diperbaiki atau ditolak. / Choose applied or rejected.")
    if decision == CorrectionItem.Status.REJECTED and not note.strip():
        raise GovernanceError("Tulis alasan penolakan. / Give the reason for the rejection.")
    item.status = decision
    item.agency_note = note.strip()[:2000]
    item.answered_by = user
    item.answered_at = timezone.now()
    item.save()
    return item


def subject_request_answer(
    *, user: Any, subject_request: SubjectRequest, status: str, outcome: str
) -> SubjectRequest:
    """Log the outcome: answered (a correction only once every item is decided), refused (with
    the reason), or closed (after an answer or a refusal)."""
    outcome = outcome.strip()
    current = subject_request.status
    if status not in (
        SubjectRequest.Status.ANSWERED,
        SubjectRequest.Status.REFUSED,
        SubjectRequest.Status.CLOSED,
    ):
        raise GovernanceError("Pilih hasil permintaan. / Choose the request's outcome.")
    if current == SubjectRequest.Status.CLOSED:
        raise GovernanceError("Permintaan sudah selesai. / The request is already closed.")
    if status == SubjectRequest.Status.CLOSED:
        if current == SubjectRequest.Status.OPEN:
            raise GovernanceError("Jawab atau tolak permintaan dahulu. / Answer or refuse the request first.")
    else:
        if current != SubjectRequest.Status.OPEN:
            raise GovernanceError("Permintaan sudah dijawab. / The request has already been answered.")
        if not outcome:
            raise GovernanceError("Tulis hasilnya. / Describe the outcome.")
        if (
            status == SubjectRequest.Status.ANSWERED
            and subject_request.corrections.filter(status=CorrectionItem.Status.PENDING).exists()
        ):
            raise GovernanceError(
                "Masih ada butir perbaikan yang menunggu instansi sumber. / "
                "Some correction items still wait for the source agency."
            )
        subject_request.answered_at = timezone.now()
    if outcome:
        subject_request.outcome = (subject_request.outcome + "\n" + outcome).strip()[:10_000]
    subject_request.status = status
    subject_request.handled_by = user
    subject_request.save()
    warnings_forget()  # the steward's banner (web_tags.governance_warnings) shows it at once
    return subject_request


# --- Data-sharing agreements (part 1) -------------------------------------------------------

AGREEMENT_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024  # a scanned Perbup of a few dozen pages


def _day(text: str, what_id: str, what_en: str, *, required: bool = True) -> date | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise GovernanceError(f"Isi {what_id}. / Give the {what_en}.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise GovernanceError(
            f"{what_id}: tanggal tidak sah (TTTT-BB-HH). / {what_en}: invalid date."
        ) from None


def _required_day(text: str, what_id: str, what_en: str) -> date:
    day = _day(text, what_id, what_en)
    if day is None:  # _day raised already; this keeps the type exact without an assert
        raise GovernanceError(f"Isi {what_id}. / Give the {what_en}.")
    return day


def agreement_record(
    *,
    user: Any,
    number: str,
    title: str,
    kind: str,
    legal_basis: str,
    sources: list[str],
    purposes: list[str],
    valid_from: str,
    valid_until: str = "",
    covers_all_agencies: bool = False,
    party_ids: list[str] | None = None,
    fields: str = "",
    document: Any = None,
) -> DataSharingAgreement:
    """Record a signed agreement. Every check comes before the first write: a mistake leaves
    nothing behind."""
    from satuanak.access.agreements import purpose_catalogue
    from satuanak.accounts.models import Agency

    number, title, legal_basis = number.strip(), title.strip(), legal_basis.strip()
    if not number or not title or not legal_basis:
        raise GovernanceError(
            "Isi nomor, judul dan dasar hukum. / Give the number, the title and the legal basis."
        )
    if DataSharingAgreement.objects.filter(number=number).exists():
        raise GovernanceError(f"Nomor {number} sudah tercatat. / Number {number} is already recorded.")
    if kind not in DataSharingAgreement.Kind.values:
        raise GovernanceError("Pilih jenis perjanjian. / Choose the kind of agreement.")
    chosen_sources = sorted({s for s in sources if s})
    if not chosen_sources or set(chosen_sources) - {s.value for s in Source}:
        raise GovernanceError("Pilih sumber data yang dicakup. / Choose the sources it covers.")
    chosen_purposes = [p for p in purpose_catalogue() if p in set(purposes)]
    if not chosen_purposes or set(purposes) - set(purpose_catalogue()) - {""}:
        raise GovernanceError("Pilih tujuan yang diizinkan. / Choose the purposes it allows.")
    start = _required_day(valid_from, "tanggal mulai berlaku", "start date")
    end = _day(valid_until, "tanggal akhir berlaku", "end date", required=False)
    if end is not None and end < start:
        raise GovernanceError("Tanggal akhir sebelum tanggal mulai. / The end date is before the start date.")
    ids = [int(p) for p in (party_ids or []) if str(p).strip().isdigit()]
    parties = list(Agency.objects.filter(pk__in=ids))
    if not covers_all_agencies and not parties:
        raise GovernanceError(
            "Pilih para pihak, atau tandai berlaku bagi semua perangkat daerah (Perbup). / "
            "Choose the parties, or mark it as binding every agency (a Perbup)."
        )
    checked = None
    if document is not None:
        try:
            checked = uploads.checked_file(document, max_bytes=AGREEMENT_DOCUMENT_MAX_BYTES)
        except uploads.UploadError as exc:
            raise GovernanceError(str(exc)) from None
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.create(
            number=number,
            title=title,
            kind=kind,
            legal_basis=legal_basis,
            covers_all_agencies=covers_all_agencies,
            sources=chosen_sources,
            purposes=chosen_purposes,
            fields=fields.strip(),
            valid_from=start,
            valid_until=end,
            recorded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        agreement.parties.set(parties)
        if checked is not None:
            agreement.document_stored = uploads.store(checked, folder="governance/agreements")
            agreement.document_name = checked.original_name
            agreement.document_type = checked.content_type
            agreement.save(update_fields=["document_stored", "document_name", "document_type"])
    warnings_forget()  # the steward's banner (web_tags.governance_warnings) shows it at once
    return agreement


def agreement_end(*, agreement: DataSharingAgreement, on: str, today: date) -> DataSharingAgreement:
    """End an agreement early (revoked, replaced). Access it gave stops after that day."""
    day = _required_day(on, "tanggal berakhir", "end date")
    if day < agreement.valid_from:
        raise GovernanceError(
            "Tanggal berakhir sebelum perjanjian berlaku. / The end date is before the agreement starts."
        )
    if agreement.ended_on is not None:
        raise GovernanceError("Perjanjian ini sudah diakhiri. / This agreement has already been ended.")
    if day < today:
        # Access already given cannot be taken back in time: the log would contradict itself.
        raise GovernanceError("Tanggal berakhir tidak boleh lampau. / The end date cannot be in the past.")
    agreement.ended_on = day
    agreement.save(update_fields=["ended_on"])
    warnings_forget()  # the steward's banner (web_tags.governance_warnings) shows it at once
    return agreement


def agreements_load_from_file(path: Path) -> int:
    """Load agreements from a JSON file (the demo's umbrella Perbup); idempotent by number."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    n = 0
    for item in raw["agreements"]:
        until = item.get("valid_until")
        agreement, _ = DataSharingAgreement.objects.update_or_create(
            number=item["number"],
            defaults={
                "title": item["title"],
                "kind": item["kind"],
                "legal_basis": item["legal_basis"],
                "covers_all_agencies": bool(item.get("covers_all_agencies")),
                "sources": list(item["sources"]),
                "purposes": list(item["purposes"]),
                "fields": item.get("fields", ""),
                "valid_from": date.fromisoformat(item["valid_from"]),
                "valid_until": date.fromisoformat(until) if until else None,
            },
        )
        if item.get("parties"):
            from satuanak.accounts.models import Agency

            agreement.parties.set(Agency.objects.filter(code__in=item["parties"]))
        n += 1
    return n


def demo_agreements_load() -> int:
    """The example umbrella Perbup the demo and the tests run under (data/governance/agreements.json).

    A production server never calls this: there, nobody reads personal data until the steward
    records the agreement the district actually signed."""
    return agreements_load_from_file(Path(settings.SATUANAK_DATA_DIR) / "governance" / "agreements.json")
