"""Signed public URLs of outbound files ``/public-media/<id>/<expires>/<signature>/``
(Twilio fetches a file by URL; ``attendance/public_media.py``): the signature is the only
credential, so every role — anonymous included — gets the same answers: 200 for a valid
signature of a file sent to a customer, 404 for a forged, altered or expired one and for
any customer's file (the world's images), whatever the session."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from attendance.media import media_store
from attendance.models import Message
from attendance.public_media import public_media_path
from tests.media_samples import PNG

from .checks import user_for, web_client
from .world import ATTENDANCES, ROLES

pytestmark = pytest.mark.django_db


def test_public_media_answers_the_signature_not_the_session(world, settings):
    key = next(iter(ATTENDANCES))
    stored = media_store(content=PNG, filename="enviada.png", kind="image")
    sent = Message.objects.create(
        attendance=world.attendances[key], direction="out", sender="agent", kind="image", body="",
        created_at=timezone.now(), **stored.as_message_fields(),
    )  # fmt: skip
    valid = public_media_path(message_id=sent.pk)
    _, _, pk, expires, signature, _ = valid.split("/")
    refused = {
        "forged": f"/public-media/{pk}/{expires}/{'0' * len(signature)}/",
        "other message": f"/public-media/{world.media[key].pk}/{expires}/{signature}/",
        "later expiry": f"/public-media/{pk}/{int(expires) + 60}/{signature}/",
        "expired": public_media_path(message_id=sent.pk, now=time.time() - settings.PUBLIC_MEDIA_URL_SECONDS - 5),
        "customer's file": public_media_path(message_id=world.media[key].pk),
    }
    for role in ROLES:
        client = web_client(user_for(role, world))
        response = client.get(valid)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PNG
        for why, url in refused.items():
            assert client.get(url).status_code == 404, (role, why)
