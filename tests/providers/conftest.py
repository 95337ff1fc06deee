"""Fixtures of the provider tests: a fake provider API on 127.0.0.1, a main group with a
service bot (1 Vendas, 2 Sair) and one channel per provider."""

from __future__ import annotations

import pytest
from django.test import TestCase

from attendance.models import Bot, BotKind, Channel
from attendance.services import bot_save, channel_save, group_save
from tests.factories import ServiceGroupFactory, UserFactory, online
from users.models import Role

from .fake_providers import FakeProvider

WA_SECRET = "wa-app-secret-123"
TG_SECRET = "tg-secret-token-456"
TW_TOKEN = "twilio-auth-token-789"
PHONE_NUMBER_ID = "106540352242922"


@pytest.fixture
def fake(settings):
    """The providers' APIs, all on one local server (paths do not overlap)."""
    server = FakeProvider().start()
    settings.WHATSAPP_CLOUD_API_BASE = f"{server.url}/v21.0"
    settings.TELEGRAM_API_BASE = server.url
    settings.TWILIO_API_BASE = server.url
    settings.PROVIDER_MEDIA_ALLOW_PRIVATE = True
    settings.ATENDE_OUTBOUND_LOG_ONLY = False
    # Outbound sends answer with an id unless a test says otherwise.
    counter = iter(range(1, 10**6))
    server.routes[("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")] = lambda call: (
        200, {"messaging_product": "whatsapp", "contacts": [{"input": call.json()["to"], "wa_id": call.json()["to"]}],
              "messages": [{"id": f"wamid.OUT{next(counter)}"}]},
    )  # fmt: skip
    server.routes[("POST", "/botBOT:TOKEN/sendMessage")] = lambda call: (
        200, {"ok": True, "result": {"message_id": 1000 + next(counter), "chat": {"id": call.json()["chat_id"]}}},
    )  # fmt: skip
    server.routes[("POST", "/2010-04-01/Accounts/AC123/Messages.json")] = lambda call: (
        201, {"sid": f"SMout{next(counter)}", "status": "queued"},
    )  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def menu(operation_a):
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a)
    bot = bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu={
        "text": "Escolha:",
        "options": [
            {"key": "1", "label": "Vendas", "action": "transfer_to_group", "group": vendas.pk},
            {"key": "2", "label": "Sair", "action": "close"},
        ],
    }))  # fmt: skip
    main = ServiceGroupFactory(name="Atendimento", operation=operation_a)
    main.initialization_bot = bot
    group_save(group=main)
    vendas.parent = main
    group_save(group=vendas)
    return {"main": main, "vendas": vendas}


def make_provider_channel(provider: str, network: str, **credentials) -> Channel:
    channel = Channel(name=f"{provider} {network}", network=network, provider=provider)
    channel_save(channel=channel, credentials=credentials)
    return channel


@pytest.fixture
def wa_channel(db):
    return make_provider_channel("whatsapp_cloud", "whatsapp", phone_number_id=PHONE_NUMBER_ID,
                                 access_token="EAAG-access", app_secret=WA_SECRET, verify_token="verify-me")  # fmt: skip


@pytest.fixture
def tg_channel(db):
    return make_provider_channel("telegram", "telegram", bot_token="BOT:TOKEN", secret_token=TG_SECRET)


@pytest.fixture
def tw_channel(db):
    return make_provider_channel("twilio", "whatsapp", account_sid="AC123", auth_token=TW_TOKEN,
                                 from_number="whatsapp:+14155238886")  # fmt: skip


def post(client, url, body, content_type="application/json", **headers):
    """POST as the provider does, running what the commit queues (deliveries)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data=body, content_type=content_type, **headers)


@pytest.fixture
def desk(operation_a):
    """``desk(channel, phone)``: an attendance of ``channel``'s network in progress with
    eva ("Eva Agente", group Suporte, every attachment kind allowed)."""
    from django.utils import timezone

    from attendance.distribution import distribute_group
    from attendance.models import Attendance, Status
    from customers.models import Customer
    from customers.services import customer_save

    eva = UserFactory(username="eva", display_name="Eva Agente", role=Role.AGENT, operations=[operation_a],
                      max_simultaneous=5)  # fmt: skip
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva], allow_image=True,
                                  allow_audio=True, allow_video=True, allow_document=True)  # fmt: skip
    online(eva)

    def open_with_eva(channel: Channel, phone: str) -> Attendance:
        customer = customer_save(customer=Customer(), display_name="Maria Silva", network=channel.network,
                                 phone=phone)  # fmt: skip
        now = timezone.now()
        attendance = Attendance.objects.create(protocol=f"T{Attendance.objects.count() + 1}", customer=customer,
                                               group=suporte, channel=channel, status=Status.QUEUED, opened_at=now,
                                               queued_at=now)  # fmt: skip
        distribute_group(group_id=suporte.pk)
        attendance.refresh_from_db()
        assert (attendance.agent, attendance.status) == (eva, Status.IN_PROGRESS)
        return attendance

    open_with_eva.eva = eva
    return open_with_eva
