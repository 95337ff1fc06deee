"""SPEC §12 R7: provider webhooks replayed, reordered, forged or malformed — one message
per provider id, nothing written without a valid signature, no server error.

A seeded random stream (reproducible: the seed is in the test id) mixes, for each
provider: valid signed webhooks delivered one to three times in random order (WhatsApp
messages also re-delivered inside other batches), forged ones (wrong secret, body
changed after signing, no signature), signed garbage and signed random mutations of
valid payloads. The Django test client raises any server error, so a 500 fails the test."""

from __future__ import annotations

import json
import random
import threading
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client

from attendance.models import Message

from . import test_telegram as tg
from . import test_twilio as tw
from . import test_whatsapp_cloud as wa
from .conftest import TG_SECRET

pytestmark = pytest.mark.django_db

GARBAGE = [b"", b"{", b"null", b"[]", b"\xff\xfe\x00", b'{"entry": [{"changes": [{"value": []}]}]}', b"0" * 5000,
           b'{"update_id": "x"}', b'{"object": "whatsapp_business_account", "entry": [{"changes": "x"}]}']  # fmt: skip


def _mutate(rng: random.Random, value):
    """A random structural change somewhere in a JSON value."""
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        choice = rng.random()
        if choice < 0.3:
            return {k: v for k, v in value.items() if k != key}
        if choice < 0.6:
            return {**value, key: rng.choice([None, 0, -1, 1.5, True, "", "x" * 300, [], {}, [None], {"a": 1}])}
        return {**value, key: _mutate(rng, value[key])}
    if isinstance(value, list) and value:
        index = rng.randrange(len(value))
        return [*value[:index], _mutate(rng, value[index]), *value[index + 1 :]]
    return rng.choice([None, 0, "", [], {}, "💥", 10**20])


class Stream:
    """Requests to send, each ``(kind, send)``; ``expected`` holds the valid provider ids."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.items: list[tuple[str, object]] = []
        self.expected: dict[str, set[str]] = {"whatsapp_cloud": set(), "telegram": set(), "twilio": set()}

    def add(self, kind: str, send, times: int = 1) -> None:
        self.items.extend([(kind, send)] * times)


def _whatsapp(stream: Stream, client: Client, channel) -> None:
    rng = stream.rng
    url = f"/webhooks/whatsapp_cloud/{channel.public_id}/"
    messages = []
    for index in range(30):
        phone = f"55349912{rng.randrange(10):01d}{index % 7:04d}"
        messages.append(wa.text(rng.choice(["oi", "1", "2", "quero ajuda", "menu"]), f"wamid.FUZZ{index}", phone))
        stream.expected["whatsapp_cloud"].add(f"wamid.FUZZ{index}")

    def signed(body: bytes, signature: str | None = None):
        return lambda: client.post(url, body, content_type="application/json",
                                   HTTP_X_HUB_SIGNATURE_256=wa.sign(body) if signature is None else signature)  # fmt: skip

    for _ in range(25):  # batches of 1–3; a message may come in several batches
        batch = rng.sample(messages, rng.randint(1, 3))
        contacts = [{"profile": {"name": f"Cliente {m['from'][-4:]}"}, "wa_id": m["from"]} for m in batch]
        stream.add("valid", signed(wa.envelope(batch, contacts=contacts)), times=rng.randint(1, 3))
    for message in messages:  # each one on its own too, so every id is delivered at least once
        stream.add("valid", signed(wa.envelope([message])), times=rng.randint(1, 2))
    for index in range(20):
        forged = wa.envelope([wa.text("forjada", f"wamid.FORGED{index}")])
        signature = rng.choice([wa.sign(forged, "wrong-secret"), "", "sha256=", wa.sign(forged + b" "),
                                "sha1=" + wa.sign(forged)[7:]])  # fmt: skip
        stream.add("forged", signed(forged, signature))
    for body in GARBAGE:
        stream.add("malformed", signed(body))
    for index in range(30):
        payload = json.loads(wa.envelope([wa.text("mutante", f"wamid.MUT{index}")]))
        stream.add("mutated", signed(json.dumps(_mutate(rng, payload)).encode()))


def _telegram(stream: Stream, client: Client, channel) -> None:
    rng = stream.rng
    url = f"/webhooks/telegram/{channel.public_id}/"

    def sent(body: bytes, secret: str | None = TG_SECRET):
        headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
        return lambda: client.post(url, body, content_type="application/json", **headers)

    for index in range(25):
        body = tg.update(update_id=20000 + index, message_id=500 + index, text=rng.choice(["oi", "1", "2"]))
        stream.expected["telegram"].add(f"1111111:{500 + index}")
        stream.add("valid", sent(body), times=rng.randint(1, 3))
        if rng.random() < 0.3:
            stream.add("valid", sent(tg.update(update_id=30000 + index, message_id=500 + index,
                                               kind="edited_message", text="editada")))  # fmt: skip
    for index in range(15):
        body = tg.update(update_id=40000 + index, message_id=9000 + index, text="forjada")
        stream.add("forged", sent(body, rng.choice(["wrong", "", TG_SECRET[:-1], None])))
    for body in GARBAGE:
        stream.add("malformed", sent(body))
    for index in range(25):
        payload = json.loads(tg.update(update_id=50000 + index, message_id=7000 + index, text="mutante"))
        stream.add("mutated", sent(json.dumps(_mutate(rng, payload)).encode()))


def _twilio(stream: Stream, client: Client, channel) -> None:
    rng = stream.rng
    url = f"http://testserver/webhooks/twilio/{channel.public_id}/"

    def sent(params: dict, signature: str | None = None):
        body = urlencode(params)
        return lambda: client.post(url, body, content_type="application/x-www-form-urlencoded",
                                   HTTP_X_TWILIO_SIGNATURE=tw.signature(url, params) if signature is None else signature)  # fmt: skip

    for index in range(25):
        sid = f"SMfuzz{index:026d}"
        params = tw.inbound(MessageSid=sid, SmsSid=sid, SmsMessageSid=sid, Body=rng.choice(["oi", "1"]),
                            From=f"whatsapp:+553499123{index:04d}")  # fmt: skip
        stream.expected["twilio"].add(sid)
        stream.add("valid", sent(params), times=rng.randint(1, 3))
    for index in range(15):
        params = tw.inbound(MessageSid=f"SMforged{index}", Body="forjada")
        stream.add("forged", sent(params, rng.choice([tw.signature(url, params, "wrong"), "", "AAAA"])))
    for index in range(25):
        params = tw.inbound(MessageSid=f"SMmut{index}")
        key = rng.choice(list(params))
        params[key] = rng.choice(["", "x" * 200, "whatsapp:", "-1", "\u0000", "+", "99999"])
        stream.add("mutated", sent(params))


@pytest.mark.parametrize("seed", [16, 1607])
def test_replayed_reordered_forged_and_malformed_webhooks(seed, fake, menu, wa_channel, tg_channel, tw_channel,
                                                          settings):  # fmt: skip
    settings.ATENDE_OUTBOUND_LOG_ONLY = True  # the bot's answers are not the point here
    client = Client()
    stream = Stream(random.Random(seed))
    _whatsapp(stream, client, wa_channel)
    _telegram(stream, client, tg_channel)
    _twilio(stream, client, tw_channel)
    stream.rng.shuffle(stream.items)
    statuses: dict[str, set[int]] = {}
    for kind, send in stream.items:
        statuses.setdefault(kind, set()).add(send().status_code)  # a 500 would raise here
    assert statuses["valid"] == {200}
    assert statuses["forged"] == {403}
    assert statuses["malformed"] <= {400}
    assert statuses["mutated"] <= {200, 400, 403}
    inbound = Message.objects.filter(direction="in")
    assert not inbound.values("channel", "provider_message_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    for channel in (wa_channel, tg_channel, tw_channel):
        stored = set(inbound.filter(channel=channel).values_list("provider_message_id", flat=True))
        expected = stream.expected[channel.provider]
        assert expected <= stored, expected - stored  # every valid message once…
        assert not {i for i in stored - expected if "FORGED" in i or "forged" in i or ":9" in i}  # …no forged one
    assert not inbound.filter(body="forjada").exists()
    assert not inbound.filter(body="editada").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_webhook_delivered_at_once_by_eight_connections_is_stored_once(menu, wa_channel, settings):
    settings.ATENDE_OUTBOUND_LOG_ONLY = True
    body = wa.envelope([wa.text("oi", "wamid.CONCURRENT")])
    barrier = threading.Barrier(8)
    statuses: list = []

    def deliver():
        try:
            barrier.wait()
            response = Client().post(f"/webhooks/whatsapp_cloud/{wa_channel.public_id}/", body,
                                     content_type="application/json", HTTP_X_HUB_SIGNATURE_256=wa.sign(body))  # fmt: skip
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            statuses.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 8
    assert Message.objects.filter(direction="in").count() == 1
    assert Message.objects.filter(sender="bot").count() == 1  # the bot greeted once


def _deep(levels: int) -> bytes:
    return b'{"entry": ' + b"[" * levels + b"]" * levels + b"}"


def _hostile_json_bodies() -> dict[str, tuple[bytes, bytes]]:
    """Per JSON provider: (deep, lone surrogate in a text). ``json.dumps`` writes the lone
    surrogate as the ``\\ud800`` escape a client may send."""
    return {
        "whatsapp_cloud": (_deep(50_000), wa.envelope([wa.text("oi \ud800", "wamid.SURROGATE")])),
        "telegram": (
            b'{"update_id": 1, "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
            tg.update(update_id=61000, message_id=6100, text="oi \ud800"),
        ),
    }


def test_deep_surrogate_nul_and_oversized_bodies_with_valid_signatures_get_400_or_are_cleaned(
    menu, wa_channel, tg_channel, tw_channel, settings
):
    """Issue 32 item 3: signed bodies go through the API's hardened reader (depth, lone
    surrogates: 400, nothing written); oversized ones get 400; a NUL in a text is dropped
    from what is stored. The test client raises a server error, so a 500 fails here."""
    settings.ATENDE_OUTBOUND_LOG_ONLY = True
    client = Client()
    oversized = b'{"entry": [], "pad": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    for provider, (deep, surrogate) in _hostile_json_bodies().items():
        for body in (deep, surrogate, oversized):
            if provider == "whatsapp_cloud":
                response = wa.send(client, wa_channel, body)
            else:
                response = tg.send(client, tg_channel, body)
            assert response.status_code == 400, (provider, body[:40], response.status_code)
    url = f"http://testserver/webhooks/twilio/{tw_channel.public_id}/"
    big = tw.inbound(MessageSid="SMbig", Body="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    response = client.post(url, urlencode(big), content_type="application/x-www-form-urlencoded",
                           HTTP_X_TWILIO_SIGNATURE=tw.signature(url, big))  # fmt: skip
    assert response.status_code == 400
    assert not Message.objects.filter(direction="in").exists()
    nul = tw.inbound(MessageSid="SMnul", Body="o\u0000i", From="whatsapp:+5534991230009")
    response = client.post(url, urlencode(nul), content_type="application/x-www-form-urlencoded",
                           HTTP_X_TWILIO_SIGNATURE=tw.signature(url, nul))  # fmt: skip
    assert response.status_code == 200
    assert wa.send(client, wa_channel, wa.envelope([wa.text("o\u0000i")])).status_code == 200
    assert sorted(Message.objects.filter(direction="in").values_list("body", flat=True)) == ["oi", "oi"]


@pytest.mark.parametrize("host", ["testserver:99999", "testserver:-1", "testserver:abc"])
def test_a_host_whose_port_is_out_of_range_gets_403_not_a_server_error(menu, tw_channel, host, settings):
    """Issue 32 item 3: the Twilio signature's URL variants with a ``Host`` port out of
    range (under production settings' ALLOWED_HOSTS too): no signed URL matches it."""
    settings.ALLOWED_HOSTS = ["testserver"]
    params = tw.inbound(MessageSid="SMport")
    url = f"http://testserver/webhooks/twilio/{tw_channel.public_id}/"
    response = Client().post(url, urlencode(params), content_type="application/x-www-form-urlencoded",
                             HTTP_HOST=host, HTTP_X_TWILIO_SIGNATURE=tw.signature(url, params))  # fmt: skip
    assert response.status_code in (400, 403)
    assert not Message.objects.filter(direction="in").exists()
