"""The history searches message text too (SPEC §7.2): ``q`` matches words of any message
of an attendance the caller may see, accents and case ignored on PostgreSQL (through the
``message_body_words`` index), ``icontains`` elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from attendance.models import Attendance, Message, Status
from attendance.text_search import messages_matching
from customers.models import Customer
from customers.services import customer_save
from tests.factories import ServiceGroupFactory, UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def _closed(group, agent, phone, *texts):
    customer = customer_save(customer=Customer(), display_name=f"Cliente {phone}", phone=phone)
    now = timezone.now()
    attendance = Attendance.objects.create(protocol=f"H{phone}", customer=customer, group=group, agent=agent,
                                           status=Status.CLOSED, opened_at=now, assigned_at=now, closed_at=now)  # fmt: skip
    for text in texts:
        Message.objects.create(attendance=attendance, direction="in", sender="customer", kind="text", body=text,
                               created_at=now)  # fmt: skip
    return attendance


@pytest.fixture
def history(operation_a):
    """eva answered two customers; rui (another agent) one that also talks of a boleto."""
    eva = UserFactory(username="eva", role=Role.AGENT, operations=[operation_a])
    rui = UserFactory(username="rui", role=Role.AGENT, operations=[operation_a])
    group = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva, rui])
    boleto = _closed(group, eva, "34991110001", "Oi", "Meu boleto venceu ontem")
    troca = _closed(group, eva, "34991110002", "Quero fazer a troca do produto")
    _closed(group, rui, "34991110003", "O boleto não chegou")
    return {"eva": eva, "boleto": boleto, "troca": troca}


def _found(api_as, user, q):
    response = api_as(user).get("/api/v1/attendances/", {"q": q, "status": "closed"})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_history_finds_an_attendance_by_a_word_of_its_messages(api_as, history):
    assert _found(api_as, history["eva"], "boleto") == [history["boleto"].pk]  # rui's stays his
    assert _found(api_as, history["eva"], "troca") == [history["troca"].pk]
    assert _found(api_as, history["eva"], "reembolso") == []


def test_the_name_and_protocol_searches_still_work(api_as, history):
    assert _found(api_as, history["eva"], "H34991110002") == [history["troca"].pk]
    assert _found(api_as, history["eva"], "Cliente 34991110001") == [history["boleto"].pk]


@pytest.mark.postgres
def test_accents_and_case_are_ignored_and_every_word_counts(api_as, history):
    _closed(history["boleto"].group, history["eva"], "34991110004", "Não recebi a DEVOLUÇÃO do pedido")
    found = _found(api_as, history["eva"], "nao devolucao")
    assert len(found) == 1 and Attendance.objects.get(pk=found[0]).protocol == "H34991110004"
    assert _found(api_as, history["eva"], "devol") == found  # words are matched by their start
    assert _found(api_as, history["eva"], "devolução boleto") == []  # both words in one message


@pytest.mark.postgres
def test_the_search_is_answered_by_the_message_words_index(history):
    """The query's expression is the index's (``0015_message_body_words``)."""
    query = messages_matching("boleto")
    sql, params = query.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)  # noqa: S608 - the ORM's SQL
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "message_body_words" in plan, plan
