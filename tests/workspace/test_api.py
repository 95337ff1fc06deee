"""The workspace's API additions (SPEC §7, §10) and the one visibility rule the page and
the API share: history permissions, confidential agents, media, canned responses,
pause reasons, WhatsApp templates and active messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone, translation

from attendance.agent_actions import attendance_close
from attendance.distribution import distribute_group
from attendance.errors import MEDIA_NOT_ALLOWED, RECEIVE_ONLY
from attendance.models import Attendance, CloseReason, Kind, Message, PauseReason, ServiceGroup, Status
from customers.models import Customer
from customers.services import customer_save
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from tests.media_samples import PDF, PNG
from users.models import Role
from workspace.models import CannedResponse, WhatsAppTemplate
from workspace.selectors import attendances_visible_to

pytestmark = pytest.mark.django_db


def _pt(text) -> str:
    with translation.override("pt-br"):
        return str(text)


@pytest.fixture
def floor(operation_a, operation_b):
    """Suporte and Vendas are groups of operation A; Outra is operation B's.

    - eva (Suporte) and rui (Vendas) answer; rui's history is confidential.
    - gil works in Suporte with view_history_groups; ivo in operation A with
      view_history_operations; leo has no history permission.
    """
    eva = UserFactory(username="eva", role=Role.AGENT, operations=[operation_a], max_simultaneous=5)
    rui = UserFactory(username="rui", role=Role.AGENT, operations=[operation_a], max_simultaneous=5,
                      confidential_history=True)  # fmt: skip
    gil = UserFactory(username="gil", role=Role.AGENT, operations=[operation_a], view_history_groups=True)
    ivo = UserFactory(username="ivo", role=Role.AGENT, operations=[operation_a], view_history_operations=True)
    leo = UserFactory(username="leo", role=Role.AGENT, operations=[operation_a])
    zoe = UserFactory(username="zoe", role=Role.AGENT, operations=[operation_b], max_simultaneous=5)
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva, gil, leo], allow_image=True)
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[rui])
    outra = ServiceGroupFactory(name="Outra", operation=operation_b, agents=[zoe])
    done = {}
    for name, group, agent, phone in [("eva", suporte, eva, "34991230001"), ("rui", vendas, rui, "34991230002"),
                                      ("zoe", outra, zoe, "34991230003")]:  # fmt: skip
        online(agent)
        attendance = queued_attendance(group, phone)
        distribute_group(group_id=group.pk)
        attendance.refresh_from_db()
        assert attendance.agent == agent
        attendance_close(attendance=attendance, reason=CloseReason.AGENT, actor=agent)
        done[name] = attendance
    open_eva = queued_attendance(suporte, "34991230004")
    distribute_group(group_id=suporte.pk)
    open_eva.refresh_from_db()
    return {"eva": eva, "rui": rui, "gil": gil, "ivo": ivo, "leo": leo, "zoe": zoe, "suporte": suporte,
            "vendas": vendas, "closed": done, "open": open_eva}  # fmt: skip


def _visible(user, floor) -> set[str]:
    ids = set(attendances_visible_to(user).values_list("pk", flat=True))
    names = {name for name, attendance in floor["closed"].items() if attendance.pk in ids}
    return names | ({"open"} if floor["open"].pk in ids else set())


def test_an_agent_sees_only_their_own_attendances(floor):
    assert _visible(floor["eva"], floor) == {"eva", "open"}
    assert _visible(floor["leo"], floor) == set()


def test_view_history_groups_shows_the_closed_ones_of_the_agents_groups(floor):
    assert _visible(floor["gil"], floor) == {"eva"}  # Suporte's closed one; never an open one of a colleague


def test_view_history_operations_shows_the_operations_but_not_a_confidential_agents(floor):
    assert _visible(floor["ivo"], floor) == {"eva"}  # rui's Vendas attendance is confidential


def test_a_confidential_agent_still_sees_their_own(floor):
    assert _visible(floor["rui"], floor) == {"rui"}


def test_admins_and_the_operations_supervisors_see_confidential_attendances(floor, admin_user, supervisor_a,
                                                                            supervisor_profile):  # fmt: skip
    from django.contrib.auth.models import Permission

    supervisor_profile.permissions.add(Permission.objects.get(codename="view_attendance"))
    supervisor_a.refresh_from_db()
    assert _visible(admin_user, floor) == {"eva", "rui", "zoe", "open"}
    assert _visible(supervisor_a, floor) == {"eva", "rui", "open"}


def test_the_api_list_uses_the_same_rule_and_its_filters(floor, api_as):
    ivo = api_as(floor["ivo"])
    rows = ivo.get("/api/v1/attendances/?status=closed").json()["results"]
    assert [row["id"] for row in rows] == [floor["closed"]["eva"].pk]
    eva = api_as(floor["eva"])
    mine = eva.get("/api/v1/attendances/?agent=me&status=in_progress,pending").json()["results"]
    assert [row["id"] for row in mine] == [floor["open"].pk]
    protocol = floor["closed"]["eva"].protocol
    assert [r["id"] for r in eva.get(f"/api/v1/attendances/?q={protocol}").json()["results"]] == [
        floor["closed"]["eva"].pk
    ]
    by_phone = eva.get("/api/v1/attendances/?q=(34) 99123-0001").json()["results"]
    assert {row["id"] for row in by_phone} == {floor["closed"]["eva"].pk}
    today = timezone.localdate().isoformat()
    assert len(eva.get(f"/api/v1/attendances/?opened_after={today}&opened_before={today}").json()["results"]) == 2
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert eva.get(f"/api/v1/attendances/?opened_after={tomorrow}").json()["results"] == []
    bad = eva.get("/api/v1/attendances/?opened_after=ontem")
    assert bad.status_code == 400 and "AAAA-MM-DD" in bad.json()["opened_after"][0]
    assert eva.get("/api/v1/attendances/?agent=eu").status_code == 400


def test_a_hidden_attendance_answers_like_a_missing_one(floor, api_as):
    leo = api_as(floor["leo"])
    hidden = floor["closed"]["eva"].pk
    assert leo.get(f"/api/v1/attendances/{hidden}/").status_code == 404
    assert leo.get(f"/api/v1/attendances/{hidden}/messages/").status_code == 404


def test_messages_after_an_id(floor, api_as):
    attendance = floor["open"]
    first = Message.objects.create(attendance=attendance, direction="in", sender="customer", body="um",
                                   created_at=timezone.now())  # fmt: skip
    second = Message.objects.create(attendance=attendance, direction="in", sender="customer", body="dois",
                                    created_at=timezone.now())  # fmt: skip
    rows = api_as(floor["eva"]).get(f"/api/v1/attendances/{attendance.pk}/messages/?after={first.pk}").json()
    assert [row["id"] for row in rows] == [second.pk]


def _upload(client, attendance, content, name, **data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"/api/v1/attendances/{attendance.pk}/messages/",
                           {"file": SimpleUploadedFile(name, content), **data}, format="multipart")  # fmt: skip


def test_an_image_upload_is_stored_and_served_only_to_who_may_see_it(floor, api_as, web_as):
    response = _upload(api_as(floor["eva"]), floor["open"], PNG, "foto.png", text="segue")
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.kind, message.media_mime, message.media_name, message.body) == ("image", "image/png",
                                                                                    "foto.png", "segue")  # fmt: skip
    url = f"/workspace/media/{message.pk}/"
    own = web_as(floor["eva"]).get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == PNG
    assert own["Content-Type"] == "image/png" and own["X-Content-Type-Options"] == "nosniff"
    # Another agent (even of the same group) gets the answer of a missing file.
    assert web_as(floor["gil"]).get(url).status_code == 404
    assert web_as(floor["zoe"]).get(url).status_code == 404
    detail = api_as(floor["eva"]).get(f"/api/v1/attendances/{floor['open'].pk}/").json()
    assert [m["media_url"] for m in detail["messages"] if m["media_url"]] == [url]


def test_an_upload_the_group_does_not_allow_is_refused_before_storing(floor, api_as, media_root):
    response = _upload(api_as(floor["eva"]), floor["open"], PDF, "boleto.pdf")
    assert response.status_code == 400
    assert response.json()["file"] == [_pt(MEDIA_NOT_ALLOWED) % {"kind": _pt(Kind.DOCUMENT.label)}]
    assert not (media_root / "messages").exists()


def test_receive_only_refuses_uploads(floor, api_as):
    suporte = floor["suporte"]
    suporte.receive_only = True
    suporte.save()
    response = _upload(api_as(floor["eva"]), floor["open"], PNG, "foto.png")
    assert response.status_code == 400
    assert response.json()["kind"] == [_pt(RECEIVE_ONLY)]
    assert Message.objects.filter(attendance=floor["open"], kind="image").count() == 0


def test_canned_responses_pause_reasons_and_templates_for_agents(floor, api_as, operation_a):
    CannedResponse.objects.create(group=None, shortcut="ola", text="Olá {cliente}")
    CannedResponse.objects.create(group=floor["suporte"], shortcut="prazo", text="Prazo: 5 dias")
    CannedResponse.objects.create(group=floor["vendas"], shortcut="preco", text="Tabela")
    CannedResponse.objects.create(group=None, shortcut="velha", text="x", is_active=False)
    PauseReason.objects.update(is_active=False)  # the install's defaults, set aside
    PauseReason.objects.update_or_create(name="Almoço", defaults={"is_active": True})
    PauseReason.objects.create(name="Antigo", is_active=False)
    WhatsAppTemplate.objects.create(name="retorno", body="Olá {{1}}, seu pedido {{2}}")
    eva = api_as(floor["eva"])
    assert [r["shortcut"] for r in eva.get("/api/v1/canned-responses/").json()["results"]] == ["ola", "prazo"]
    assert [r["name"] for r in eva.get("/api/v1/pause-reasons/").json()["results"]] == ["Almoço"]
    assert eva.get("/api/v1/whatsapp-templates/").json()["results"][0]["parameter_count"] == 2
    # Reading only: writing and the audit trail are the back office's.
    assert eva.post("/api/v1/pause-reasons/", {"name": "Banho de sol"}, format="json").status_code == 403
    reason = PauseReason.objects.get(name="Almoço")
    assert eva.get(f"/api/v1/pause-reasons/{reason.pk}/history/").status_code == 403


def test_admins_manage_them_and_every_change_is_audited(api_as, admin_user):
    admin = api_as(admin_user)
    created = admin.post("/api/v1/pause-reasons/", {"name": "Reunião de equipe"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert admin.patch(f"/api/v1/pause-reasons/{pk}/", {"is_active": False}, format="json").status_code == 200
    history = admin.get(f"/api/v1/pause-reasons/{pk}/history/").json()
    assert [entry["type"] for entry in history] == ["changed", "created"]
    assert admin.delete(f"/api/v1/pause-reasons/{pk}/").status_code == 405
    assert PauseReason.objects.filter(pk=pk).exists()


@pytest.fixture
def outbound(floor):
    suporte = floor["suporte"]
    suporte.active_whatsapp = True
    suporte.active_message_delay_minutes = 10
    suporte.save()
    customer = customer_save(customer=Customer(), display_name="Ana Nova", phone="34988887777")
    return {"group": suporte, "customer": customer}


def _active(client, **body):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/api/v1/active-messages/", body, format="json")


def test_whatsapp_outside_the_window_needs_a_template_and_the_group_flag(floor, outbound, api_as):
    eva = api_as(floor["eva"])
    group, customer = outbound["group"], outbound["customer"]
    refused = _active(eva, customer=customer.pk, group=group.pk, text="Oi")
    assert refused.status_code == 400
    assert "não envia templates do WhatsApp" in refused.json()["text"][0]
    template = WhatsAppTemplate.objects.create(name="retorno", body="Olá {{1}}, seu pedido {{2}} saiu.")
    assert _active(eva, customer=customer.pk, group=group.pk, template=template.pk, params=["Ana"]).status_code == 400
    group.whatsapp_template = True
    group.save()
    sent = _active(eva, customer=customer.pk, group=group.pk, template=template.pk, params=["Ana", "42"])
    assert sent.status_code == 201, sent.content
    message = Message.objects.get(pk=sent.json()["message"])
    assert message.body == "Olá Ana, seu pedido 42 saiu."
    assert message.template == {"name": "retorno", "language": "pt_BR", "params": ["Ana", "42"]}
    attendance = message.attendance
    assert (attendance.status, attendance.agent) == (Status.IN_PROGRESS, floor["eva"])


def test_inside_the_window_text_goes_and_an_open_attendance_delays_it(floor, outbound, api_as):
    eva = api_as(floor["eva"])
    open_one = floor["open"]
    Attendance.objects.filter(pk=open_one.pk).update(last_customer_message_at=timezone.now())
    sent = _active(eva, customer=open_one.customer_id, group=outbound["group"].pk, text="Voltando ao seu caso")
    assert sent.status_code == 201, sent.content
    assert sent.json()["attendance"] == open_one.pk
    assert sent.json()["deliver_at"] is not None  # active_message_delay_minutes = 10


def test_it_refuses_an_active_message_to_a_customer_busy_in_another_operation(floor, outbound, api_as):
    """Issue 32 item 1: zoe (operation B) writing to a customer whose attendance is open in
    A's Suporte, by customer id and by network + phone, is refused with a message that
    names nothing of A; A's attendance gets no message and no event."""
    outra = ServiceGroup.objects.get(name="Outra")
    outra.active_whatsapp = True
    outra.save()
    open_one = floor["open"]
    Attendance.objects.filter(pk=open_one.pk).update(last_customer_message_at=timezone.now())
    before = (open_one.messages.count(), open_one.events.count(), Attendance.objects.count())
    zoe = api_as(floor["zoe"])
    by_id = _active(zoe, customer=open_one.customer_id, group=outra.pk, text="Oi, aqui é da B")
    by_phone = _active(zoe, network="whatsapp", phone=open_one.customer.phone, group=outra.pk, text="Oi")
    for response in (by_id, by_phone):
        assert response.status_code == 400, response.content
        assert response.json() == {
            "customer": ["Este cliente não pode receber mensagem ativa agora: tente mais tarde."]
        }
        assert open_one.protocol not in response.content.decode()
    assert (open_one.messages.count(), open_one.events.count(), Attendance.objects.count()) == before
    # Within its own operation the active message still joins the open attendance.
    sent = _active(api_as(floor["eva"]), customer=open_one.customer_id, group=outbound["group"].pk, text="Oi")
    assert sent.status_code == 201 and sent.json()["attendance"] == open_one.pk


def test_a_typed_phone_through_a_network_the_group_does_not_enable_is_refused(floor, outbound, api_as):
    response = _active(api_as(floor["eva"]), network="sms", phone="(34) 98888-1111", group=outbound["group"].pk,
                       text="Oi")  # fmt: skip
    assert response.status_code == 400 and "SMS" in response.json()["group"][0]
    # rui works in operation A, not in Suporte: he is told so.
    other = _active(api_as(floor["rui"]), customer=outbound["customer"].pk, group=outbound["group"].pk, text="Oi")
    assert other.status_code == 400 and other.json()["group"] == ["Você não atende neste grupo."]
    # zoe works in operation B: A's group answers like a group that does not exist (SPEC §10).
    foreign = _active(api_as(floor["zoe"]), customer=outbound["customer"].pk, group=outbound["group"].pk, text="Oi")
    assert foreign.status_code == 400
    assert foreign.json()["group"] == [f'Pk inválido "{outbound["group"].pk}" - objeto não existe.']


def test_the_schema_documents_the_additions(api_as, admin_user):
    schema = api_as(admin_user).get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/active-messages/", "/api/v1/canned-responses/", "/api/v1/pause-reasons/",
                 "/api/v1/whatsapp-templates/", "/api/v1/attendances/{id}/messages/"):  # fmt: skip
        assert path in schema["paths"], path
    names = {p["name"] for p in schema["paths"]["/api/v1/attendances/"]["get"]["parameters"]}
    assert {"status", "agent", "group", "q", "opened_after", "opened_before"} <= names
    assert (
        "multipart/form-data" in schema["paths"]["/api/v1/attendances/{id}/messages/"]["post"]["requestBody"]["content"]
    )


def test_my_attendances_count_unread_customer_messages_until_read(floor, web_as):
    attendance = floor["open"]
    for body in ("um", "dois"):
        Message.objects.create(attendance=attendance, direction="in", sender="customer", body=body,
                               created_at=timezone.now())  # fmt: skip
    eva = web_as(floor["eva"])
    rows = eva.get("/workspace/inbox/").json()["attendances"]
    assert [(row["id"], row["unread"]) for row in rows] == [(attendance.pk, 2)]
    assert eva.post(f"/workspace/attendances/{attendance.pk}/read/").status_code == 200
    assert eva.get("/workspace/inbox/").json()["attendances"][0]["unread"] == 0
    # Another agent cannot mark it, nor open its panel.
    assert web_as(floor["leo"]).post(f"/workspace/attendances/{attendance.pk}/read/").status_code == 404
    assert web_as(floor["leo"]).get(f"/workspace/attendances/{attendance.pk}/panel/").status_code == 404


def test_the_engine_api_and_the_upload_refuse_a_kind_with_one_rule(floor, api_as, media_root):
    """``attendance.agent_actions.group_check_answer``: a document the group does not allow
    is refused with the same message whether declared (JSON) or uploaded (a file)."""
    declared = api_as(floor["eva"]).post(
        f"/api/v1/attendances/{floor['open'].pk}/messages/", {"kind": "document", "text": "boleto"}, format="json"
    )
    uploaded = _upload(api_as(floor["eva"]), floor["open"], PDF, "boleto.pdf")
    assert (declared.status_code, uploaded.status_code) == (400, 400)
    assert (
        declared.json()["kind"]
        == uploaded.json()["file"]
        == [_pt(MEDIA_NOT_ALLOWED) % {"kind": _pt(Kind.DOCUMENT.label)}]
    )
