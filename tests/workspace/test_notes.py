"""Internal notes and mentions (SPEC §7.2): a note is seen set apart by everyone who may
see the attendance and never leaves the product; ``@username`` mentions only someone who
may see it, who finds it in ``GET /api/v1/mentions/`` and on their open page, live."""

from __future__ import annotations

import pytest
from django.test import TestCase

from attendance.distribution import distribute_group
from attendance.models import Attendance, Delivery, Message
from core.live import live_last_id, live_since
from tests.attendance.test_outbound import Remote
from tests.factories import ServiceGroupFactory, UserFactory, make_channel, online, queued_attendance
from users.models import Role
from workspace.models import Mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(operation_a, operation_b, supervisor_profile):
    """eva holds the attendance in Suporte; lia works in Suporte too, with its (closed) history;
    caio works elsewhere (Vendas) and may not see it; sara supervises operation A (monitor
    grant); bia supervises B only."""
    eva = UserFactory(username="eva", display_name="Eva Agente", role=Role.AGENT, operations=[operation_a])
    lia = UserFactory(username="lia", role=Role.AGENT, operations=[operation_a], view_history_groups=True)
    caio = UserFactory(username="caio", role=Role.AGENT, operations=[operation_a])
    supervisor_profile.permissions.add(*_perms("reports.monitor_attendances"))
    sara = UserFactory(username="sara", display_name="Sara Supervisora", role=Role.SUPERVISOR,
                       operations=[operation_a], profile=supervisor_profile)  # fmt: skip
    bia = UserFactory(username="bia", role=Role.SUPERVISOR, operations=[operation_b], profile=supervisor_profile)
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva, lia])
    ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[caio])
    online(eva)
    attendance = queued_attendance(suporte, "34991234567")
    distribute_group(group_id=suporte.pk)
    attendance.refresh_from_db()
    assert attendance.agent == eva
    return {"eva": eva, "lia": lia, "caio": caio, "sara": sara, "bia": bia, "attendance": attendance}


def _perms(*dotted):
    from django.contrib.auth.models import Permission

    return [Permission.objects.get(content_type__app_label=d.split(".")[0], codename=d.split(".")[1]) for d in dotted]


def _note(api_as, user, attendance, text):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api_as(user).post(f"/api/v1/attendances/{attendance.pk}/notes/", {"text": text}, format="json")


def test_the_agent_posts_a_note_set_apart_that_is_never_delivered(api_as, desk):
    response = _note(api_as, desk["eva"], desk["attendance"], "Cliente já ligou ontem.")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["sender"], body["sender_name"]) == ("note", "agent", "Eva Agente")
    note = Message.objects.get(pk=body["id"])
    assert (note.delivery, note.delivery_attempts) == (Delivery.NONE, 0)
    listed = api_as(desk["sara"]).get(f"/api/v1/attendances/{desk['attendance'].pk}/messages/").json()
    assert [m["kind"] for m in listed if m["body"] == "Cliente já ligou ontem."] == ["note"]


def test_a_supervisor_signs_the_note_as_supervisor(api_as, desk):
    response = _note(api_as, desk["sara"], desk["attendance"], "Ofereça o desconto de 10%.")
    assert response.status_code == 201, response.content
    assert response.json()["sender"] == "supervisor"


def test_a_note_never_reaches_the_channels_outbound_webhook(api_as, desk):
    remote = Remote()
    try:
        channel, _ = make_channel(outbound_webhook_url=remote.url)
        Attendance.objects.filter(pk=desk["attendance"].pk).update(channel=channel)
        with TestCase.captureOnCommitCallbacks(execute=True):
            answer = api_as(desk["eva"]).post(f"/api/v1/attendances/{desk['attendance'].pk}/messages/",
                                              {"kind": "text", "text": "Resposta ao cliente"}, format="json")  # fmt: skip
        assert answer.status_code == 201
        assert [body["text"] for _, body in remote.calls] == ["Resposta ao cliente"]  # the receiver works
        assert _note(api_as, desk["eva"], desk["attendance"], "Só para a equipe @sara").status_code == 201
    finally:
        remote.close()
    assert [body["text"] for _, body in remote.calls] == ["Resposta ao cliente"]  # nothing more arrived


def test_the_messages_endpoint_refuses_a_note(api_as, desk):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api_as(desk["eva"]).post(f"/api/v1/attendances/{desk['attendance'].pk}/messages/",
                                            {"kind": "note", "text": "vazaria?"}, format="json")  # fmt: skip
    assert response.status_code == 400 and "kind" in response.json()
    assert not Message.objects.filter(body="vazaria?").exists()


def test_an_empty_note_is_refused_with_a_field_message(api_as, desk):
    response = _note(api_as, desk["eva"], desk["attendance"], "   ")
    assert response.status_code == 400 and "text" in response.json()


def test_someone_who_may_not_see_the_attendance_cannot_post_a_note(api_as, desk):
    assert _note(api_as, desk["caio"], desk["attendance"], "oi").status_code == 404
    assert _note(api_as, desk["bia"], desk["attendance"], "oi").status_code == 404


def test_a_mention_is_listed_for_the_mentioned_user_and_marked_read(api_as, desk):
    note = _note(api_as, desk["eva"], desk["attendance"], "@sara pode autorizar a troca?").json()
    listed = api_as(desk["sara"]).get("/api/v1/mentions/").json()["results"]
    assert len(listed) == 1
    mention = listed[0]
    assert {k: mention[k] for k in ("attendance", "message", "by", "read")} == {
        "attendance": desk["attendance"].pk, "message": note["id"], "by": desk["eva"].pk, "read": False,
    }  # fmt: skip
    assert mention["at"] and mention["by_name"] == "Eva Agente"
    assert api_as(desk["eva"]).get("/api/v1/mentions/").json()["results"] == []  # only the mentioned user's
    read = api_as(desk["sara"]).post(f"/api/v1/mentions/{mention['id']}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert api_as(desk["lia"]).post(f"/api/v1/mentions/{mention['id']}/read/").status_code == 404  # not hers


def test_a_mention_reaches_the_mentioned_users_open_pages_live(api_as, desk):
    """Through the live channel (Redis with ``REDIS_URL``, the database without)."""
    before = live_last_id(desk["sara"].pk)
    _note(api_as, desk["eva"], desk["attendance"], "Veja isto, @sara.")
    events, _lost = live_since(desk["sara"].pk, before)
    [event] = [event for event in events if event.event == "mention"]
    assert event.data["attendance"] == desk["attendance"].pk
    assert event.data["mention"] == Mention.objects.get(user=desk["sara"]).pk


def test_only_users_who_may_see_the_attendance_can_be_mentioned(api_as, desk):
    response = _note(api_as, desk["eva"], desk["attendance"], "@sara @caio @lia @bia @ninguem olhem isso")
    assert response.status_code == 400
    message = response.json()["text"][0]
    # lia sees Suporte's history (closed ones) only; caio works in Vendas; bia supervises B.
    assert "@caio, @lia, @bia, @ninguem" in message and "@sara" not in message
    assert not Message.objects.filter(kind="note").exists() and not Mention.objects.exists()


def test_an_email_address_is_not_a_mention(api_as, desk):
    response = _note(api_as, desk["eva"], desk["attendance"], "O e-mail dele é joao@exemplo.com.br")
    assert response.status_code == 201 and not Mention.objects.exists()
