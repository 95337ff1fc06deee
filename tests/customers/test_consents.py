"""SPEC §17: consents are recorded through one service and shown on the customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.errors import DeletionForbidden
from customers.models import Customer
from customers.services import consent_record, customer_save

pytestmark = pytest.mark.django_db

TERMS = "Autorizo o uso dos meus dados para este atendimento."


def _customer() -> Customer:
    return customer_save(customer=Customer(), display_name="Joana Prado", phone="(34) 99123-4567")


def test_a_consent_keeps_the_text_version_channel_and_moment():
    customer = _customer()
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    consent = consent_record(customer=customer, text=f"  {TERMS}\n", version="v2", channel="webchat", at=at)
    consent.refresh_from_db()
    assert (consent.text, consent.version, consent.channel, consent.at) == (TERMS, "v2", "webchat", at)
    assert list(customer.consents.all()) == [consent]


def test_it_refuses_a_consent_without_text_or_version_or_with_an_unknown_channel_in_portuguese():
    with translation.override("pt-br"), pytest.raises(ValidationError) as error:
        consent_record(customer=_customer(), text=" ", version="", channel="fax")
    problems = error.value.message_dict
    assert set(problems) == {"text", "version", "channel"}
    assert "texto" in problems["text"][0]
    assert "webchat" in problems["channel"][0]


def test_a_consent_is_never_deleted():
    consent = consent_record(customer=_customer(), text=TERMS, version="v1", channel="bot")
    with pytest.raises(DeletionForbidden):
        consent.delete()


def test_the_customer_page_shows_the_consents_read_only(web_as, admin_user):
    customer = _customer()
    consent_record(customer=customer, text=TERMS, version="v3-2026", channel="webchat")
    page = web_as(admin_user).get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert "Consentimentos (LGPD)" in page
    assert "v3-2026" in page and TERMS in page
    assert "(Webchat)" in page
