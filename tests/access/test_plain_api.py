"""The plain API views that need a test of their own: ``inbound`` (a channel's Bearer
token, never a user's), ``agents/me/presence`` and the channels' outbound webhook
(``channels/<id>/deliveries``, ``channels/<id>/rotate-webhook-secret``)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from .checks import api_client, attendance_state, user_for, web_client
from .world import ROLES

pytestmark = pytest.mark.django_db


def test_inbound_needs_a_channel_token(world):
    """SPEC §8.2: only a channel's Bearer token; a user's token or session is no channel."""
    from knox.models import AuthToken

    from attendance.models import Attendance, Channel, Message
    from customers.models import Customer
    from tests.factories import make_channel

    url = reverse("api-inbound")
    payload = {"network": "whatsapp", "phone": "34991239999", "display_name": "Cliente Intruso", "text": "oi"}
    user_token = AuthToken.objects.create(user=world.cast["admin"])[1]
    inactive, inactive_token = make_channel(name="Canal Inativo")
    Channel.objects.filter(pk=inactive.pk).update(is_active=False)
    token_a = world.channel_tokens["A"]
    headers = {
        "no header": None,
        "a wrong bearer token": "Bearer nao-e-um-token",
        "a bare Bearer": "Bearer",
        "a user's Token": f"Token {user_token}",
        "a user's token as Bearer": f"Bearer {user_token}",
        "an inactive channel's token": f"Bearer {inactive_token}",
        "a channel's token hash": f"Bearer {world.samples['attendance.Channel']['A'].token_hash}",
        "a channel's token with the Token keyword": f"Token {token_a}",
    }
    counts = lambda: (Attendance.objects.count(), Customer.objects.count(), Message.objects.count())  # noqa: E731
    before = counts()
    failures = []
    for what, header in headers.items():
        extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
        response = APIClient().post(url, payload, format="json", **extra)
        if response.status_code != 401:
            failures.append(f"POST {url} with {what}: expected 401, got {response.status_code}")
    # Every logged-in role's session (and the user token on top): still no channel.
    for role in ROLES[1:]:
        web = web_client(world.cast[role])
        response = web.post(url, payload, content_type="application/json")
        if response.status_code != 401:
            failures.append(f"[{role}] POST {url} with a session: expected 401, got {response.status_code}")
    if counts() != before:
        failures.append(f"refused inbound calls created rows: {before} → {counts()}")
    # The right token is accepted (the checks above are not vacuous).
    response = APIClient().post(url, payload, format="json", HTTP_AUTHORIZATION=f"Bearer {token_a}")
    if response.status_code not in (200, 201):
        failures.append(f"POST {url} with channel A's token: expected 200/201, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_presence_matrix(world):
    """GET: any logged-in user (own presence); POST: agents and supervisor-agents only."""
    from attendance.models import AgentPresence

    url = reverse("api-presence")
    rows_before = attendance_state()[0]
    others = {p.agent_id: (p.state, p.heartbeat_at) for p in AgentPresence.objects.filter(agent=world.cast["agent_b"])}
    failures = []
    for role in ROLES:
        client = api_client(user_for(role, world))
        is_agent = role in ("agent_a", "supervisor_agent_a")
        expected_get = 401 if role == "anonymous" else 200
        expected_post = 401 if role == "anonymous" else 200 if is_agent else 400
        get = client.get(url)
        post = client.post(url, {"state": "online"}, format="json")
        if get.status_code != expected_get:
            failures.append(f"[{role}] GET {url}: expected {expected_get}, got {get.status_code}")
        if post.status_code != expected_post:
            failures.append(f"[{role}] POST {url}: expected {expected_post}, got {post.status_code}")
        elif post.status_code == 400 and "state" not in post.json():
            failures.append(f"[{role}] POST {url}: 400 without a 'state' message: {post.json()}")
        if role == "agent_a" and get.status_code == 200 and get.json()["state"] != "online":
            failures.append(f"[{role}] GET {url}: eva is online, got {get.json()}")
    now = {p.agent_id: (p.state, p.heartbeat_at) for p in AgentPresence.objects.filter(agent=world.cast["agent_b"])}
    if now != others:
        failures.append("another agent's presence changed")
    if attendance_state()[0] != rows_before:
        failures.append("posting 'online' changed attendances")
    assert not failures, "\n".join(failures)


def test_mentions_are_each_users_own(world):
    """``mentions``: any logged-in user lists their own (none in this world) and can mark
    only their own read (another's or an unknown id: 404); anonymous 401."""
    failures = []
    for role in ROLES:
        client = api_client(user_for(role, world))
        expected_list = 401 if role == "anonymous" else 200
        expected_read = 401 if role == "anonymous" else 404
        listed = client.get("/api/v1/mentions/")
        read = client.post("/api/v1/mentions/999999/read/")
        if listed.status_code != expected_list:
            failures.append(f"[{role}] GET mentions: expected {expected_list}, got {listed.status_code}")
        elif listed.status_code == 200 and listed.json()["results"] != []:
            failures.append(f"[{role}] GET mentions: someone else's mentions {listed.json()}")
        if read.status_code != expected_read:
            failures.append(f"[{role}] POST mentions/999999/read: expected {expected_read}, got {read.status_code}")
    assert not failures, "\n".join(failures)


def test_channel_webhook_urls_are_admin_only(world):
    """SPEC §8.2.2: the delivery log and the secret's rotation belong to channels, which are
    global configuration: admins only; a supervisor's profile grants no channel (no
    scope), agents are refused, anonymous visitors must log in."""
    from attendance.models import Channel

    channel = world.samples["attendance.Channel"]["A"]
    secret = Channel.objects.get(pk=channel.pk).webhook_secret
    deliveries = reverse("api-channel-deliveries", args=[channel.pk])
    rotate = reverse("api-channel-rotate-webhook-secret", args=[channel.pk])
    failures = []
    for role in ROLES:
        client = api_client(user_for(role, world))
        got = (client.get(deliveries).status_code, client.post(rotate).status_code)
        if role == "anonymous":
            expected = {(401, 401)}
        elif role == "admin":
            expected = {(200, 200)}
        elif role in ("agent_a", "agent_b"):
            expected = {(403, 403)}
        else:  # supervisors: refused by the profile, or the channel is out of their reach
            expected = {(403, 403), (404, 404), (403, 404), (404, 403)}
        if got not in expected:
            failures.append(f"[{role}] GET {deliveries} / POST {rotate}: expected {sorted(expected)}, got {got}")
    if Channel.objects.get(pk=channel.pk).webhook_secret == secret:
        failures.append("the admin's rotation did not change the secret")
    assert not failures, "\n".join(failures)
