"""On PostgreSQL the customer import writes new customers and their history with COPY
(customers/importer.py ``copy_customers``). It must write exactly what
``bulk_create_with_history`` writes, and a concurrent registration of the same phone must
still surface as ``IntegrityError`` so that the runner re-checks the chunk."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from customers import importer
from customers.models import Customer, CustomerAttribute
from imports.runner import _commit_chunk
from tests.factories import ServiceGroupFactory

from .helpers import CUSTOMER_HEADER, csv_bytes, customer_row, run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

IGNORED = {"id", "history_id", "created_at", "history_date"}  # generated: compared separately


def _rows(group_name):
    return [
        customer_row("(34) 99123-4567", "Maria  Silva", document="529.982.247-25", email="MARIA@Example.com"),
        customer_row("034 3212 3456", "Padaria", network="telegram", document="11.222.333/0001-81", group=group_name),
        customer_row("+55 11 98888-7777", "Ana", network="sms", agent="eva"),
        customer_row("(21) 3212-3456", "Sem documento", network=""),
        customer_row("349912", "Telefone curto"),
        customer_row("(34) 99123-4567", "Repetida"),
    ]


def _snapshot(job):
    customers = {}
    for customer in Customer.objects.order_by("phone").values():
        customers[customer["phone"]] = {k: v for k, v in customer.items() if k not in IGNORED}
    history = []
    for row in Customer.history.model.objects.order_by("phone").values():
        history.append({k: v for k, v in row.items() if k not in IGNORED})
    return customers, history, (job.imported, job.duplicates, job.errors)


def test_copy_writes_what_bulk_create_with_history_writes(admin_user, operation_a, agent_a, monkeypatch):
    ServiceGroupFactory(name="Vendas", operation=operation_a)
    plan = CustomerAttribute.objects.create(description="Plano")
    header = [*CUSTOMER_HEADER, "ATTRIBUTE", "ATTRIBUTE'S VALUE"]
    rows = [[*row, "Plano", "Ouro"] if index == 0 else [*row, "", ""] for index, row in enumerate(_rows("vendas"))]
    calls = []
    original = importer.copy_customers
    monkeypatch.setattr(
        importer, "copy_customers", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    )
    job = run_import(admin_user, "c.csv", csv_bytes(header, rows))
    assert calls, "the COPY path was not taken"
    copied = _snapshot(job)
    for customer in Customer.objects.all():  # the ids are real and each has its "+" history row
        history = customer.history.get()
        assert (history.history_type, history.history_user, history.history_change_reason) == (
            "+",
            admin_user,
            "import",
        )
        assert history.created_at == customer.created_at and history.history_date >= customer.created_at
    assert Customer.objects.get(phone="+5534991234567").attributes == [{"attribute": plan.pk, "value": "Ouro"}]

    Customer.history.model.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM customers_customer")
    monkeypatch.setattr(importer, "copy_customers", lambda *args, **kwargs: None)  # the ORM path
    job = run_import(admin_user, "c.csv", csv_bytes(header, rows))
    assert _snapshot(job) == copied
    assert copied[2] == (4, 1, 1)


def test_the_outcomes_carry_the_new_ids(admin_user):
    spec = importer.CustomerImport()
    spec.prepare()
    spec.user = admin_user
    with transaction.atomic():
        outcomes = spec.process(
            [(2, dict(zip(CUSTOMER_HEADER, customer_row(f"3499123456{i}"), strict=True))) for i in range(3)]
        )
    ids = [outcome.object_id for outcome in outcomes]
    assert ids == list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    assert Customer.history.model.objects.filter(id__in=ids).count() == 3


def test_a_concurrent_registration_raises_integrity_error_and_the_chunk_is_rechecked(admin_user, monkeypatch):
    spec = importer.CustomerImport()
    spec.prepare()
    spec.user = admin_user
    data = dict(zip(CUSTOMER_HEADER, customer_row("(34) 99123-4567", "Maria"), strict=True))
    # Someone registers the phone between the duplicate check and the write.
    original = importer.copy_customers

    def registered_meanwhile(connection, rows, user_id, **kwargs):
        Customer.objects.create(display_name="Outra", network="whatsapp", phone="+5534991234567", username="x")
        return original(connection, rows, user_id, **kwargs)

    monkeypatch.setattr(importer, "copy_customers", registered_meanwhile)
    with pytest.raises(IntegrityError), transaction.atomic():
        spec.process([(2, data)])
    assert not Customer.objects.exists()

    spec = importer.CustomerImport()  # a new run (the failed one remembered the phone as seen)
    spec.prepare()
    spec.user = admin_user

    class Job:  # what _commit_chunk/_record need
        pk = None

    recorded = []
    monkeypatch.setattr("imports.runner._record", lambda job, outcomes, size: recorded.append(outcomes))
    calls = {"n": 0}

    def once(connection, rows, user_id, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return registered_meanwhile(connection, rows, user_id, **kwargs)
        return original(connection, rows, user_id, **kwargs)

    monkeypatch.setattr(importer, "copy_customers", once)
    _commit_chunk(Job(), spec, spec.validate_chunk([(2, data)]), 1)
    # The first attempt rolled back (the other registration too, being in it); the retry
    # imports the row.
    assert calls["n"] == 2 and [o.status for o in recorded[-1]] == ["imported"]


def test_the_copy_text_of_awkward_values_reads_back_unchanged():
    import datetime
    import json

    from customers.copying import copy_value

    now = datetime.datetime(2026, 11, 24, 21, 20, 5, 123456, tzinfo=datetime.UTC)
    texts = ["plain", "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash", "\b\v\f", "ação ☎ 👍", "\\N", "", r"\t"]
    lines = [
        "\t".join(
            [copy_value(t), copy_value(-7), copy_value(True), copy_value(False), copy_value(json.dumps([{"v": t}]))]
            + [copy_value(None), copy_value(now), copy_value(now.date())]
        )
        for t in texts
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copy_probe (t text, i bigint, b boolean, f boolean, j jsonb, n text, ts timestamptz, d date)"
        )
        with cursor.copy("COPY copy_probe FROM STDIN") as copy:
            copy.write("\n".join(lines) + "\n")
        cursor.execute("SELECT t, i, b, f, j, n, ts, d FROM copy_probe")
        rows = [
            (*row[:4], json.loads(row[4]) if isinstance(row[4], str) else row[4], *row[5:]) for row in cursor.fetchall()
        ]
    assert rows == [(t, -7, True, False, [{"v": t}], None, now, now.date()) for t in texts]


def test_the_username_shortcut_agrees_with_the_model():
    from customers.copying import username

    for phone in ["+5534991234567", "+551132123456", "+55١١٢", "5534991234567", "+", "", "+55 34", "+-5"]:
        assert username("whatsapp", phone) == Customer.make_username("whatsapp", phone), phone
