"""Live updates (SPEC §7 "Live"): ids per user, catching up from Last-Event-ID, a resync
when the backlog no longer reaches back, only one's own events — over Redis and over the
database (the embedded defaults) — and the engine's events reaching the agent."""

from __future__ import annotations

import asyncio
import os

import pytest
from django.test import AsyncClient, TestCase

from attendance.distribution import distribute_group
from core.live import live_last_id, live_publish, live_since
from tests.factories import ServiceGroupFactory, UserFactory, make_channel, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db

TRANSPORTS = [
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("database"),
]


@pytest.fixture(params=TRANSPORTS)
def transport(request, settings):
    if request.param == "database":
        from django.core.cache import cache

        from core.live import PRUNED_KEY

        settings.REDIS_URL = ""
        cache.delete(PRUNED_KEY)
    else:
        settings.REDIS_URL = os.environ["REDIS_URL"]
    settings.LIVE_STREAM_SECONDS = 0.6
    settings.LIVE_POLL_SECONDS = 0.05
    return request.param


@pytest.fixture
def eva(operation_a, transport):
    user = UserFactory(username="eva", role=Role.AGENT, operations=[operation_a])
    _forget(user)
    return user


@pytest.fixture
def davi(operation_a, transport):
    user = UserFactory(username="davi", role=Role.AGENT, operations=[operation_a])
    _forget(user)
    return user


def _forget(user):
    """Redis outlives the test database (ids come back): start each user's stream afresh."""
    if os.environ.get("REDIS_URL"):
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        client.delete(f"atende:live:seq:{user.pk}", f"atende:live:log:{user.pk}")


def _stream(client, **headers) -> str:
    response = client.get("/workspace/events/", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    return b"".join(response.streaming_content).decode()


def test_ids_increase_per_user_and_a_page_catches_up_from_its_last_event(eva, davi, web_as):
    start = live_last_id(eva.pk)
    live_publish(user_ids=[eva.pk], event="assigned", data={"attendance": 1})
    middle = live_last_id(eva.pk)
    live_publish(user_ids=[eva.pk, davi.pk], event="message", data={"attendance": 2})
    events, lost = live_since(eva.pk, start)
    assert [(e.event, e.data) for e in events] == [("assigned", {"attendance": 1}), ("message", {"attendance": 2})]
    assert not lost and events[0].id < events[1].id and middle == events[0].id
    body = _stream(web_as(eva), HTTP_LAST_EVENT_ID=str(middle))
    assert "event: message" in body and '"attendance":2' in body
    assert "event: assigned" not in body  # already seen
    assert f"id: {events[1].id}" in body


def test_a_stream_carries_only_the_users_own_events(eva, davi, web_as):
    after = live_last_id(davi.pk)
    live_publish(user_ids=[eva.pk], event="closed", data={"attendance": 7, "reason": "agent"})
    body = _stream(web_as(davi), HTTP_LAST_EVENT_ID=str(after))
    assert "event: closed" not in body


def test_too_far_behind_the_page_is_told_to_resync(eva, web_as, settings, transport):
    settings.LIVE_BACKLOG = 2
    start = live_last_id(eva.pk)
    for number in range(5):
        live_publish(user_ids=[eva.pk], event="message", data={"attendance": number})
    if transport == "database":  # rows are pruned by age
        from django.utils import timezone

        from core.live import live_db_prune

        assert live_db_prune(before=timezone.now()) == 5
    body = _stream(web_as(eva), HTTP_LAST_EVENT_ID=str(start))
    assert "event: resync" in body


def test_an_anonymous_stream_is_refused(client, transport):
    assert client.get("/workspace/events/").status_code == 403


def test_the_engines_events_reach_the_agent(eva, davi, operation_a):
    """Assignment, a customer message, a transfer away and a close (published by the engine through core.followups)."""
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva])
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[davi])
    suporte.transfer_targets.set([vendas])
    online(eva)
    online(davi)
    eva_start, davi_start = live_last_id(eva.pk), live_last_id(davi.pk)
    attendance = queued_attendance(suporte, "34991234567")
    with TestCase.captureOnCommitCallbacks(execute=True):
        distribute_group(group_id=suporte.pk)
    from attendance.agent_actions import attendance_transfer
    from attendance.inbound import inbound_receive

    channel, _ = make_channel("whatsapp")
    with TestCase.captureOnCommitCallbacks(execute=True):
        inbound_receive(channel=channel, network="whatsapp", phone="34991234567", text="oi")
    with TestCase.captureOnCommitCallbacks(execute=True):
        attendance_transfer(attendance=attendance, actor=eva, agent=davi)
    from attendance.agent_actions import attendance_close
    from attendance.models import CloseReason

    with TestCase.captureOnCommitCallbacks(execute=True):
        attendance_close(attendance=attendance, reason=CloseReason.SUPERVISOR, actor=None)
    # The notices sent to the customer meanwhile also say "delivery" (their ticks): not this test's subject.
    eva_events = [(e.event, e.data["attendance"]) for e in live_since(eva.pk, eva_start)[0] if e.event != "delivery"]
    davi_events = [(e.event, e.data["attendance"]) for e in live_since(davi.pk, davi_start)[0] if e.event != "delivery"]
    a = attendance.pk
    assert eva_events == [("assigned", a), ("message", a), ("transferred_away", a)]
    assert davi_events == [("assigned", a), ("closed", a)]


@pytest.mark.django_db(transaction=True)
def test_the_async_stream_serves_asgi_servers(eva, transport):
    """Under ASGI (uvicorn in production) the view streams from an async generator."""
    after = live_last_id(eva.pk)
    client = AsyncClient()
    client.force_login(eva)

    async def read() -> str:
        response = await client.get("/workspace/events/", headers={"Last-Event-ID": str(after)})
        assert response.status_code == 200
        chunks = []

        async def publish_soon():
            await asyncio.sleep(0.2)
            from asgiref.sync import sync_to_async

            await sync_to_async(live_publish)(user_ids=[eva.pk], event="assigned", data={"attendance": 99})

        task = asyncio.create_task(publish_soon())
        async for chunk in response.streaming_content:
            chunks.append(chunk.decode() if isinstance(chunk, bytes) else chunk)
        await task
        return "".join(chunks)

    body = asyncio.run(read())
    assert "event: ready" in body and "event: assigned" in body and '"attendance":99' in body


def test_a_stream_follows_the_access_rules(eva, web_as, transport):
    """The stream applies the session rules itself (``users.middleware`` lets it through):
    outside work hours or before the password is changed it is refused."""
    from django.utils import timezone

    client = web_as(eva)
    tomorrow = (timezone.localtime().weekday() + 1) % 7
    eva.work_hours = [{"weekday": tomorrow, "start": "00:00", "end": "00:01"}]
    eva.save(update_fields=["work_hours"])
    assert client.get("/workspace/events/").status_code == 403
    eva.work_hours, eva.must_change_password = [], True
    eva.save(update_fields=["work_hours", "must_change_password"])
    assert client.get("/workspace/events/").status_code == 403
    eva.must_change_password = False
    eva.save(update_fields=["must_change_password"])
    assert client.get("/workspace/events/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_streams_opening_at_once_use_a_bounded_number_of_connections(operation_a, settings, monkeypatch):
    """A burst of reconnections (every open page after a restart) reads the sessions in
    at most ``LIVE_STREAM_DB_SLOTS`` threads at a time, so it cannot exhaust PostgreSQL's
    connections (bench/live.py's 200 streams got "too many clients" before)."""
    import threading
    import time

    from workspace import stream

    settings.LIVE_STREAM_DB_SLOTS = 2
    settings.LIVE_STREAM_SECONDS = 0.05
    agents = [UserFactory(username=f"agente{i}", role=Role.AGENT, operations=[operation_a]) for i in range(10)]
    inside, most, lock = [0], [0], threading.Lock()
    checked = stream.user_is_within_work_hours

    def slow_check(*, user):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)  # holds its slot a while, so that unbounded openings would overlap
        with lock:
            inside[0] -= 1
        return checked(user=user)

    monkeypatch.setattr(stream, "user_is_within_work_hours", slow_check)
    stream._slots.clear()

    async def open_all() -> list[int]:
        async def one(agent) -> int:
            client = AsyncClient()
            await client.aforce_login(agent)
            response = await client.get("/workspace/events/")
            async for _chunk in response.streaming_content:
                pass
            return response.status_code

        return await asyncio.gather(*(one(agent) for agent in agents))

    assert asyncio.run(open_all()) == [200] * len(agents)
    assert 1 <= most[0] <= 2


def test_a_batch_keeps_each_users_order_across_script_calls(eva, davi, settings, transport, monkeypatch):
    """A sweep's batch (``live_publish_many``) goes out in chunks of one script call each;
    every user still receives their events once, in order, with increasing ids."""
    import core.live
    from core.live import live_publish_many

    monkeypatch.setattr(core.live, "PUBLISH_CHUNK", 7)
    settings.LIVE_BACKLOG = 100
    starts = {eva.pk: live_last_id(eva.pk), davi.pk: live_last_id(davi.pk)}
    items = [((eva, davi)[n % 3 == 0].pk, "closed", {"attendance": n}) for n in range(40)]
    live_publish_many(items)
    for user_id, start in starts.items():
        events, lost = live_since(user_id, start)
        assert not lost
        assert [e.data["attendance"] for e in events] == [d["attendance"] for u, _, d in items if u == user_id]
        assert [e.id for e in events] == sorted({e.id for e in events})
