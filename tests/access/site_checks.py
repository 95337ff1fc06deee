"""The runner of the site's other URLs (``SITE_EXPECTATIONS``): pages, report APIs and
exports, the workspace's views and files, health; and what no role may read in them."""

from __future__ import annotations

import re

from django.test import override_settings

from .checks import attendance_state, check_status, response_text, user_for, web_client
from .expectations import att_visible, expected_site
from .targets import site_urls
from .world import ATTENDANCES, OTHER, SUPERVISOR_SIDE, World, attendance_marks, cast_names, side_names


def marks_hidden_from(role: str, world: World) -> dict[str, str]:
    """mark -> description of everything ``role`` must never read (channel tokens always).

    Supervisors: the other operation's objects, people and attendances. Agents: operation
    B's objects and people (gil, eva, davi) or A's (fabio), and every attendance they may
    not see. Anonymous visitors: all of it. Admins: only the tokens."""
    marks = dict.fromkeys(world.secrets, "a channel token")
    if role == "admin":
        return marks
    sides = {"anonymous": ("A", "B")}.get(role) or (OTHER[SUPERVISOR_SIDE.get(role) or _agent_side(role)],)
    for side in sides:
        names = {**side_names(world, side), **cast_names(world, side)}
        marks |= {mark: f"{what} of operation {side}" for what, mark in names.items()}
    for key in ATTENDANCES:
        if role == "anonymous" or not att_visible(role, world, key):
            marks |= {mark: f"attendance {key}'s {what}" for what, mark in attendance_marks(world, key).items()}
            marks[world.media[key].media_name] = f"attendance {key}'s file name"
    return marks


def _agent_side(role: str) -> str:
    return "B" if role == "agent_b" else "A"


def leaks(text: str, marks: dict[str, str]) -> list[str]:
    """The marks found in ``text``; short ones (people's names) only as whole words."""
    found = []
    for mark, what in marks.items():
        hit = re.search(rf"\b{re.escape(mark)}\b", text) if len(mark) <= 6 else mark in text
        if hit:
            found.append(f"leaks {what} ({mark!r})")
    return found


def site_matrix_failures(role: str, world: World, names: set[str] | None = None) -> list[str]:
    """Every URL of ``site_urls`` (or those named ``names``) as ``role``: status, and
    nothing in a readable answer that the role may not see."""
    from attendance.models import Attendance, Event, Message

    client = web_client(user_for(role, world))
    hidden = marks_hidden_from(role, world)
    counts = (Attendance.objects.count(), Event.objects.count(), Message.objects.count())
    states = attendance_state()[0]
    failures = []
    for target in site_urls(world):
        if names is not None and target.name not in names:
            continue
        expect = expected_site(role, world, target)
        headers = {"HTTP_ACCEPT": "text/html"} if target.html or target.name == "workspace" else {}
        if target.method == "post":
            response = client.post(target.url, target.data or {}, content_type="application/json", **headers)
        elif target.name == "workspace:events":
            # A short stream, read to its end (closing it early would end the test's
            # database connection with the request): its bytes are checked like a page's.
            with override_settings(LIVE_STREAM_SECONDS=0.3, LIVE_POLL_SECONDS=0.05):
                response = client.get(target.url, **headers)
                if response.status_code == 200:
                    response.content_bytes = b"".join(response.streaming_content)
        else:
            response = client.get(target.url, **headers)
        where = f"[{role}] {target.method.upper()} {target.url} ({target.name})"
        problem = check_status(client, response, target.url, expect)
        if problem:
            failures.append(f"{where}: expected {expect.describe()}, {problem}")
            continue
        if response.status_code != 200:
            continue
        if target.name == "workspace:events":
            body = response.content_bytes.decode()
            if not response["Content-Type"].startswith("text/event-stream") or "event: ready" not in body:
                failures.append(f"{where}: not an event stream ({response['Content-Type']}: {body[:80]!r})")
            failures += [f"{where}: {leak}" for leak in leaks(body, hidden)]
            continue
        if target.name == "workspace:media":
            failures += _media_failures(where, world, target, response)
            continue
        text = response_text(response)
        marks = hidden
        if target.name == "workspace:customers":  # customers are global (SPEC §6): searchable by any agent
            marks = {m: w for m, w in hidden.items() if "'s customer" not in w}
        failures += [f"{where}: {leak}" for leak in leaks(text, marks)]
    if (Attendance.objects.count(), Event.objects.count(), Message.objects.count()) != counts:
        failures.append(f"[{role}] the site's URLs wrote attendances, events or messages")
    if attendance_state()[0] != states:
        failures.append(f"[{role}] the site's URLs changed attendances")
    return failures


def _media_failures(where: str, world: World, target, response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    expected = world.media[target.key].media.open("rb").read()
    problems = [] if content == expected else [f"{where}: not the file of attendance {target.key}"]
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: served without X-Content-Type-Options: nosniff")
    return problems
