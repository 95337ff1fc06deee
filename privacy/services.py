"""The data subjects' requests (SPEC §17, LGPD art. 18): anonymisation and the request log.

``customer_anonymize`` is the one way a customer is anonymised. In one transaction it
removes every copy of the person's data the product keeps:

- the customer row: name → "Titular anonimizado <id>", username, phone, e-mail,
  document, birth date and attribute values emptied, deactivated;
- every old value in the audit history (django-simple-history's rows of the customer),
  and the admin's action log's name of the row;
- the contents of every attendance of the customer (``contents``): message bodies,
  media (files deleted after the commit, crash-safely: ``files``), original file names,
  template parameters, the names shown, providers' errors; providers' message ids kept
  only as hashes; open survey answers;
- the import rows and files that mention the person (``import_traces``);
- live updates still waiting for an open page.

What stays: the attendances, their times, statuses, groups, agents, classification,
events and survey scores, so every report's figures are unchanged; the consents (the
company's text, now tied to an anonymous row). The search indexes are indexes of the
customers' table: they follow the row in the same transaction. A later message from the
same address finds no customer with that phone: it creates a new one."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from attendance.models import Attendance
from core.models import LiveEvent
from customers.models import Customer
from imports.models import ImportJob, ImportKind, JobStatus

from . import errors
from .contents import BODY_REMOVED_ON_REQUEST, contents_count, contents_remove
from .files import files_remove_pending
from .import_traces import import_traces_remove
from .models import PrivacyRequest, RequestKind
from .traces import Identifiers

ANONYMOUS_NAME = "Titular anonimizado %(n)s"
REASON_MAX_LENGTH = 1000
HISTORY_REASON = "Anonimização (LGPD)"
PERSONAL_FIELDS = ("display_name", "username", "phone", "email", "document_type", "document", "birth_date",
                   "attributes", "show_name_in_greeting")  # fmt: skip


def customer_identifiers(customer: Customer) -> Identifiers:
    """Every name, phone, e-mail, document and attribute value the customer has or had
    (the audit history keeps the old ones)."""
    rows = [
        {field: getattr(customer, field) for field in PERSONAL_FIELDS},
        *Customer.history.filter(id=customer.pk).values(*PERSONAL_FIELDS),
    ]
    values = {
        str(pair.get("value") or "")
        for row in rows
        for pair in (row["attributes"] or [])
        if isinstance(pair, dict) and len(str(pair.get("value") or "")) >= 3
    }
    return Identifiers(
        names=frozenset(row["display_name"] for row in rows if row["display_name"]),
        phones=frozenset(row["phone"] for row in rows if row["phone"]),
        emails=frozenset(row["email"] for row in rows if row["email"]),
        documents=frozenset(row["document"] for row in rows if row["document"]),
        values=frozenset(values),
    )


def _anonymous_fields(customer: Customer) -> dict:
    return {
        "display_name": ANONYMOUS_NAME % {"n": customer.pk},
        "username": f"anonimizado_{customer.pk}",
        "phone": "",
        "email": "",
        "document_type": "",
        "document": "",
        "birth_date": None,
        "show_name_in_greeting": False,
        "attributes": [
            {"attribute": pair.get("attribute"), "value": ""}
            for pair in customer.attributes or []
            if isinstance(pair, dict)
        ],  # fmt: skip
    }


def _clean_reason(reason) -> str:
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise errors.PrivacyError(errors.REASON_REQUIRED, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise errors.PrivacyError(errors.REASON_TOO_LONG, field="reason", params={"max": REASON_MAX_LENGTH})
    return reason


def customer_anonymize(*, customer: Customer, by, reason: str, confirm: bool) -> PrivacyRequest:
    """Anonymise ``customer`` (see the module's docstring) and log the request; raises
    ``PrivacyError`` (Portuguese) when not confirmed, without a reason, already done, or
    while a customer import runs (it could be reading the person's row)."""
    if not confirm:
        raise errors.PrivacyError(errors.CONFIRM_REQUIRED, field="confirm")
    reason = _clean_reason(reason)
    files_remove_pending()  # files a crashed run let go of
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.anonymized_at is not None:
            raise errors.PrivacyError(errors.ALREADY_ANONYMIZED)
        if ImportJob.objects.filter(
            kind=ImportKind.CUSTOMERS, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
        ).exists():
            raise errors.PrivacyError(errors.IMPORT_RUNNING)
        identifiers = customer_identifiers(customer)
        now = timezone.now()
        attendance_ids = list(Attendance.objects.filter(customer=customer).values_list("pk", flat=True))
        summary = {"attendances_kept": len(attendance_ids)}
        summary |= contents_remove(attendance_ids=attendance_ids, body=BODY_REMOVED_ON_REQUEST, provider_ids=True)
        summary |= import_traces_remove(identifiers=identifiers, customer_id=customer.pk)
        fields = _anonymous_fields(customer)
        history = Customer.history.filter(id=customer.pk)
        summary["history_rows"] = history.update(**fields)
        for name, value in fields.items():
            setattr(customer, name, value)
        customer.is_active = False
        customer.anonymized_at = now
        customer._history_user = by
        customer._change_reason = HISTORY_REASON
        customer.save()
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk)
        ).update(object_repr=str(customer)[:200])
        summary["live_updates"] = _live_events_remove(identifiers)
        request = PrivacyRequest.objects.create(
            kind=RequestKind.ANONYMIZATION, customer=customer, by=by, at=now,
            reason=identifiers.scrub(reason), summary=summary,
        )  # fmt: skip
        transaction.on_commit(files_remove_pending)
    return request


def _live_events_remove(identifiers: Identifiers) -> int:
    """Live updates waiting for open pages that quote the person (a buffer of seconds,
    pruned anyway: ``core.live``)."""
    ids = [
        pk for pk, data in LiveEvent.objects.values_list("pk", "data").iterator(chunk_size=1000)
        if identifiers.mentioned_in(str(data))
    ]  # fmt: skip
    return LiveEvent.objects.filter(pk__in=ids).delete()[0] if ids else 0


def export_logged(*, customer: Customer, by, summary: dict) -> PrivacyRequest:
    """Log an export (who, when, how much)."""
    return PrivacyRequest.objects.create(
        kind=RequestKind.EXPORT, customer=customer, by=by, at=timezone.now(), summary=summary
    )


def company_retention_save(*, company, by, message_retention_months: int | None, import_retention_days: int):
    """Save a company's retention settings (validated by the caller's form), audited."""
    company.message_retention_months = message_retention_months
    company.import_retention_days = import_retention_days
    company._history_user = by
    company.save()
    return company


def anonymization_preview(customer: Customer) -> dict[str, int]:
    """What an anonymisation of ``customer`` would remove, for the confirmation screen."""
    attendance_ids = list(Attendance.objects.filter(customer=customer).values_list("pk", flat=True))
    return {
        "attendances": len(attendance_ids),
        **contents_count(attendance_ids),
        "history_rows": Customer.history.filter(id=customer.pk).count(),
        "consents": customer.consents.count(),
    }
