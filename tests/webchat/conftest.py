"""Fixtures of the web chat tests: a web chat channel for https://loja.example, a main
group served by Eva (online), and a visitor client that speaks from the allowed origin."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from attendance.models import Channel
from attendance.services import channel_save
from tests.factories import ServiceGroupFactory, UserFactory, online
from users.models import Role

ORIGIN = "https://loja.example"


@pytest.fixture(autouse=True)
def clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def channel(db):
    channel = Channel(name="Chat da loja", network="webchat", provider="webchat", allowed_origins=ORIGIN,
                      title="Fale com a Loja", greeting="Olá! Como podemos ajudar?",
                      prechat_fields={"email": "optional", "phone": "optional", "document": "off"},
                      consent_text="Aceito que a Loja trate meus dados para me atender.")  # fmt: skip
    channel_save(channel=channel)
    return channel


@pytest.fixture
def eva(operation_a):
    eva = UserFactory(username="eva", display_name="Eva Agente", role=Role.AGENT, operations=[operation_a],
                      max_simultaneous=5)  # fmt: skip
    group = ServiceGroupFactory(name="Atendimento", operation=operation_a, agents=[eva], allow_image=True,
                                allow_document=False)  # fmt: skip
    online(eva)
    eva.group = group
    return eva


class Visitor:
    """A browser on the shop's site: every request carries its ``Origin``."""

    def __init__(self, channel: Channel, origin: str = ORIGIN, address: str = "203.0.113.7"):
        self.client = Client(HTTP_ORIGIN=origin, REMOTE_ADDR=address)
        self.base = f"/webchat/{channel.public_id}/"
        self.token = ""

    def _auth(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def start(self, **form):
        body = {"name": "Maria Souza", "consent": True, **form}
        response = self.client.post(self.base + "sessions/", body, content_type="application/json")
        if response.status_code == 201:
            self.token = response.json()["visitor_token"]
        return response

    def say(self, text: str):
        return self.client.post(self.base + "messages/", {"text": text}, content_type="application/json",
                                **self._auth())  # fmt: skip

    def upload(self, name: str, content: bytes):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(self.base + "messages/", {"file": SimpleUploadedFile(name, content)}, **self._auth())

    def read(self, after: int = 0):
        return self.client.get(self.base + f"messages/?after={after}", **self._auth())


@pytest.fixture
def visitor(channel):
    return Visitor(channel)
