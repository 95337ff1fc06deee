"""The workspace's writes per role (SPEC §7): a file sent in a message and "Novo atendimento
ativo". Only the attendance's agent sends into it; a group of another operation answers
like a group that does not exist. (The page, its stream, JSON views and media files per
role are in ``test_site.py``.)"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.models import Attendance, Message, ServiceGroup
from tests.media_samples import PNG

from .checks import api_client, user_for
from .expectations import att_permitted, att_supervises, att_visible
from .site_checks import leaks, marks_hidden_from
from .world import ATTENDANCES, ROLES

pytestmark = pytest.mark.django_db

UPLOAD_ROLES = [*ROLES, "agent_a2"]


def _expected_upload(role: str, world, key: str) -> int:
    """The attendances matrix's rule for ``messages``: only the attendance's agent sends a
    file; a supervisor who may act writes text only (SPEC §9.1): a file is a 400 with why."""
    if role == "anonymous":
        return 401
    if not att_permitted(role, world):
        return 403  # a supervisor whose profile grants no attendance
    if not att_visible(role, world, key):
        return 404
    if ATTENDANCES[key].owner == role:
        return 201
    return 400 if att_supervises(role, world) else 403


def test_only_the_attendances_agent_uploads_a_file_into_it(world):
    ServiceGroup.objects.update(allow_image=True)
    failures, sent = [], 0
    before = Message.objects.count()
    for role in UPLOAD_ROLES:
        client = api_client(user_for(role, world))
        for key, attendance in world.attendances.items():
            upload = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
            url = f"/api/v1/attendances/{attendance.pk}/messages/"
            response = client.post(url, {"kind": "image", "text": "", "file": upload}, format="multipart")
            expected = _expected_upload(role, world, key)
            if response.status_code != expected:
                failures.append(f"[{role}] POST {url} (a file): expected {expected}, got {response.status_code}")
            sent += response.status_code == 201
    assert not failures, "\n".join(failures)
    assert sent == 2 and Message.objects.count() == before + sent
    stored = Message.objects.filter(attendance=world.attendances["A"], media__gt="").exclude(pk=world.media["A"].pk)
    assert stored.count() == 1 and stored.get().media_mime == "image/png"


def test_an_active_message_to_another_operations_group_is_answered_like_a_missing_group(world):
    """eva naming B's group (or B's customer's phone in it): the same refusal as a group id
    that does not exist, without B's names; nothing is written."""
    group_b = world.samples["attendance.ServiceGroup"]["B"]
    client = api_client(world.cast["agent_a"])
    counts = (Attendance.objects.count(), Message.objects.count())
    payload = {"network": "whatsapp", "phone": "34991230777", "text": "Olá"}
    missing = client.post("/api/v1/active-messages/", {**payload, "group": 2_000_000_000}, format="json")
    foreign = client.post("/api/v1/active-messages/", {**payload, "group": group_b.pk}, format="json")
    assert missing.status_code == 400, missing.content
    assert (foreign.status_code, foreign.json()) == (missing.status_code, _same_refusal(missing, group_b.pk))
    assert not leaks(foreign.content.decode(), marks_hidden_from("agent_a", world))
    assert (Attendance.objects.count(), Message.objects.count()) == counts


def _same_refusal(missing, group_id: int) -> dict:
    """The missing group's answer with the id it named replaced by the foreign group's."""
    body = missing.json()
    return {field: [text.replace("2000000000", str(group_id)) for text in messages] for field, messages in body.items()}
