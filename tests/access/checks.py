"""How the matrix asks and judges: clients per role, the status check, the text of a
response, and one runner per surface returning the failures (``[role] METHOD url: …``)
so a test reports every wrong answer at once rather than the first."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from .expectations import (
    AGENT_READABLE,
    Expect,
    agent_reads_side,
    att_visible,
    expected_admin,
    expected_admin_extra,
    expected_api,
    expected_attendance_api,
    expected_import_api,
    may_import,
    perm,
)
from .targets import admin_extra_urls, admin_urls, api_urls, attendance_urls, import_api_urls
from .world import (
    ATTENDANCES,
    IMPORTS,
    JOB_OWNER,
    LOGIN_PATH,
    OTHER,
    SAMPLES,
    SUPERVISOR_SIDE,
    World,
    attendance_marks,
    hidden_marks,
    job_marks,
    owns,
    side_names,
)


def user_for(role: str, world: World):
    return None if role == "anonymous" else world.cast[role]


def web_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _final_login_location(client: Client, response) -> tuple[str, list[str]]:
    """Follow redirects (without rendering the login page); return the last location."""
    hops = []
    for _ in range(3):
        location = response["Location"]
        hops.append(location)
        if urlsplit(location).path == LOGIN_PATH or response.status_code != 302:
            break
        response = client.get(location)
        if response.status_code != 302:
            break
    return hops[-1], hops


def check_status(client, response, url: str, expect: Expect) -> str | None:
    if response.status_code not in expect.statuses:
        return f"got {response.status_code}"
    if response.status_code == 302 and expect.login_redirect:
        final, hops = _final_login_location(client, response)
        parts = urlsplit(final)
        if parts.path != LOGIN_PATH or parse_qs(parts.query).get("next") != [url]:
            return f"got 302 via {' → '.join(hops)}"
    elif (
        response.status_code == 302
        and expect.location is not None
        and urlsplit(response["Location"]).path != expect.location
    ):
        return f"got 302 → {response['Location']}"
    if expect.template is not None:
        names = [t.name for t in (response.templates or []) if t.name]
        if expect.template not in names:
            return f"got {response.status_code} with templates {names[:5]}"
    if expect.text is not None and expect.text not in response.content.decode():
        return f"got {response.status_code} without {expect.text!r}"


def response_text(response) -> str:
    """The text of a response, streamed (exports, templates) or not; JSON with its
    characters unescaped (Django's ``JsonResponse`` writes "Opera\\u00e7\\u00e3o") and an
    XLSX workbook as its cells' values, so that a name is found whatever the format."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    text = content.decode("utf-8-sig", errors="replace")
    if kind.startswith("application/json") and text:
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def import_counts():
    from imports.models import ImportJob, ImportRow

    return ImportJob.objects.count(), ImportRow.objects.count()


def admin_matrix_failures(role: str, world: World) -> list[str]:
    user = user_for(role, world)
    client = web_client(user)
    targets, failures = admin_urls(world)
    side = SUPERVISOR_SIDE.get(role)
    forbidden_names = side_names(world, OTHER[side]) if side else {}
    own_names = side_names(world, side) if side else {}

    for target in targets:
        expect = expected_admin(role, world, target)
        response = client.get(target.url)
        problem = check_status(client, response, target.url, expect)
        if problem:
            failures.append(f"[{role}] GET {target.url} ({target.kind}): expected {expect.describe()}, {problem}")
            continue
        if response.status_code == 200 and side is None:
            html = response.content.decode()
            failures += [f"[{role}] GET {target.url}: shows a channel token" for mark in world.secrets if mark in html]
        if response.status_code != 200 or side is None:
            if role == "admin" and target.kind == "changelist" and SAMPLES[target.model._meta.label].scoped:
                html = response.content.decode()
                for s in ("A", "B"):
                    name = str(world.samples[target.model._meta.label][s])
                    if name not in html:
                        failures.append(f"[{role}] GET {target.url}: admin should see {name!r}, it is missing")
            continue
        # A supervisor's page: nothing of the other operation, ever.
        html = response.content.decode()
        failures += [f"[{role}] GET {target.url}: shows a channel token" for mark in world.secrets if mark in html]
        for label, name in forbidden_names.items():
            if name in html:
                failures.append(
                    f"[{role}] GET {target.url} ({target.kind}): leaks {label} {name!r} of operation {OTHER[side]}"
                )
        if target.kind == "changelist" and SAMPLES[target.model._meta.label].scoped:
            name = own_names[target.model._meta.label]
            if name not in html:
                failures.append(f"[{role}] GET {target.url}: own operation's {name!r} missing from the list")
    return failures


def api_matrix_failures(role: str, world: World) -> list[str]:
    user = user_for(role, world)
    client = api_client(user)
    targets, failures = api_urls(world)
    side = SUPERVISOR_SIDE.get(role)
    forbidden = side_names(world, OTHER[side]) if side else {}

    for target in targets:
        expect = expected_api(role, world, target)
        url = target.url + ("?page_size=500" if target.kind == "list" else "")
        response = getattr(client, target.method)(url)
        problem = check_status(client, response, target.url, expect)
        if 200 <= response.status_code < 300 and target.method == "delete":
            problem = f"got {response.status_code}: DELETE must never succeed"
        if problem:
            failures.append(
                f"[{role}] {target.method.upper()} {target.url} ({target.kind}): "
                f"expected {expect.describe()}, {problem}"
            )
            continue
        if response.status_code == 200:
            # Nothing of the other operation (its objects, attendances, messages, events)
            # in a supervisor's answer; never a channel's token or token hash.
            text = response_text(response)
            failures += [
                f"[{role}] GET {target.url} ({target.kind}): leaks {what} {mark!r}"
                for mark, what in [*((m, f"{w} of operation {OTHER[side]}") for w, m in forbidden.items()),
                                   *((m, "a channel token") for m in world.secrets)]
                if mark in text
            ]  # fmt: skip
        if target.kind != "list" or response.status_code != 200:
            continue
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        ids = {row.get("id") for row in rows if isinstance(row, dict)}
        label = target.model._meta.label
        sample = SAMPLES[label]
        pair = world.samples[label]
        if role == "admin":
            expected_ids, hidden_ids = {pair["A"].pk, pair["B"].pk}, set()
        elif label in AGENT_READABLE and role in ("agent_a", "supervisor_agent_a"):
            granted = side and sample.scoped and perm(target.model, "view") in world.profile_perms
            visible = {s for s in ("A", "B") if agent_reads_side(role, world, label, s) or (granted and s == side)}
            expected_ids = {pair[s].pk for s in visible}
            hidden_ids = {pair[s].pk for s in ("A", "B") if s not in visible}
        elif sample.scoped:
            expected_ids, hidden_ids = {pair[side].pk}, {pair[OTHER[side]].pk}
        else:
            expected_ids, hidden_ids = set(), {pair["A"].pk, pair["B"].pk}
        if hidden_ids & ids:
            failures.append(f"[{role}] GET {target.url}: leaks ids {sorted(hidden_ids & ids)} it must not see")
        if expected_ids - ids:
            failures.append(f"[{role}] GET {target.url}: ids {sorted(expected_ids - ids)} missing from the list")

    # Nothing was deleted by the DELETE requests.
    for label, pair in world.samples.items():
        for obj in pair.values():
            key = getattr(obj, obj._meta.pk.attname)
            if not type(obj)._default_manager.filter(**{obj._meta.pk.attname: key}).exists():
                failures.append(f"[{role}] {label} {key} was deleted")
    return failures


def import_api_failures(role: str, world: World) -> list[str]:
    from imports.models import ImportRow

    client = api_client(user_for(role, world))
    hidden = hidden_marks(role, world)
    counts = import_counts()
    before = {row.pk: (row.data, row.errors, row.corrected, row.status) for row in ImportRow.objects.all()}
    failures = []
    for target in import_api_urls(world):
        expect = expected_import_api(role, world, target)
        kwargs = {"format": "json"} if target.data is not None else {}
        response = getattr(client, target.method)(target.url, *([target.data] if target.data else []), **kwargs)
        where = f"[{role}] {target.method.upper()} {target.url} ({target.kind})"
        problem = check_status(client, response, target.url, expect)
        if target.method == "delete" and 200 <= response.status_code < 300:
            problem = f"got {response.status_code}: DELETE must never succeed"
        if problem:
            failures.append(f"{where}: expected {expect.describe()}, {problem}")
            continue
        if response.status_code != 200:
            continue
        body = response_text(response)
        failures += [f"{where}: leaks {what} ({mark!r})" for mark, what in hidden.items() if mark in body]
        if target.kind == "list":
            ids = {row["id"] for row in response.json()["results"]}
            mine = {
                world.jobs[target.import_kind][s].pk for s in ("A", "B") if owns(role, world, target.import_kind, s)
            }
            others = {world.jobs[target.import_kind][s].pk for s in ("A", "B")} - mine
            if ids & others:
                failures.append(f"{where}: leaks job ids {sorted(ids & others)} of other users")
            if mine - ids:
                failures.append(f"{where}: own job ids {sorted(mine - ids)} missing from the list")
        elif target.kind == "rows":
            job = world.jobs[target.import_kind][target.side]
            ids = {row["id"] for row in response.json()["results"]}
            foreign = ids - set(job.rows.values_list("pk", flat=True))
            if foreign or not ids:
                failures.append(f"{where}: rows {sorted(ids)} are not exactly job {job.pk}'s error rows")
        elif target.kind == "template" and not body:
            failures.append(f"{where}: empty template")
    # Nothing deleted; the rows of jobs the role may not touch unchanged.
    if import_counts() != counts:
        failures.append(f"[{role}] import jobs/rows went from {counts} to {import_counts()}")
    for kind in IMPORTS:
        for side in ("A", "B"):
            row = world.rows[kind][side]
            if not (may_import(role, world, kind) and owns(role, world, kind, side)):
                now = ImportRow.objects.get(pk=row.pk)
                if (now.data, now.errors, now.corrected, now.status) != before[row.pk]:
                    failures.append(f"[{role}] {kind} row {row.pk} of {JOB_OWNER[side]} was changed")
    return failures


def admin_extra_failures(role: str, world: World, versions: bool = False) -> list[str]:
    """The import/export/password pages (``versions=False``) or the history versions."""
    client = web_client(user_for(role, world))
    side = SUPERVISOR_SIDE.get(role)
    hidden = hidden_marks(role, world)
    if side:
        hidden |= {
            name: f"{label} of operation {OTHER[side]}" for label, name in side_names(world, OTHER[side]).items()
        }
    counts = import_counts()
    failures = []
    for target in admin_extra_urls(world):
        if (target.kind == "version") != versions:
            continue
        expect = expected_admin_extra(role, world, target)
        response = client.get(target.url)
        where = f"[{role}] GET {target.url} ({target.kind})"
        problem = check_status(client, response, target.url, expect)
        if problem:
            failures.append(f"{where}: expected {expect.describe()}, {problem}")
            continue
        if response.status_code != 200:
            continue
        body = response_text(response)
        # (The user template's example row names an "Operação A" of its own: static text.)
        marks = hidden_marks(role, world) if target.kind == "import_template" else hidden
        failures += [f"{where}: leaks {what} ({mark!r})" for mark, what in marks.items() if mark in body]
        if target.kind == "export":
            customers = [c.display_name for c in world.samples["customers.Customer"].values()]
            if role == "admin":
                failures += [f"{where}: admin export lacks {name!r}" for name in customers if name not in body]
            else:
                failures += [f"{where}: export leaks customer {name!r}" for name in customers if name in body]
        elif target.kind in ("import_job", "import_row"):
            # The job page names the file; the row page shows the row's data.
            mark = job_marks(world, target.import_kind, target.side)[target.kind == "import_row"]
            if mark not in body:
                failures.append(f"{where}: the page does not show {mark!r}")
    # POST "REENVIAR" to each job: the owner/admin are sent back to the job page; anyone else
    # gets nothing done (403 without the permission, 404 for another's job).
    for target in admin_extra_urls(world):
        if target.kind != "import_resend":
            continue
        expect = expected_admin_extra(role, world, target)
        if expect.statuses == (302, 404) and not owns(role, world, target.import_kind, target.side):
            expect = Expect((404,))
        elif expect.statuses == (302, 404):
            expect = Expect((302,), location=target.redirect_to)
        response = client.post(target.url)
        problem = check_status(client, response, target.url, expect)
        if problem:
            failures.append(f"[{role}] POST {target.url} (import_resend): expected {expect.describe()}, {problem}")
    if import_counts() != counts:
        failures.append(f"[{role}] import jobs/rows went from {counts} to {import_counts()}")
    return failures


def assert_export_does_not_leak(world: World, role: str, url: str, response) -> None:
    assert response.status_code in (200, 403), (role, url, response.status_code)
    if response.status_code == 200:
        lines = [line for line in response_text(response).splitlines() if line.strip()]
        assert len(lines) == 1, f"{role}: {url} exports {len(lines) - 1} customer row(s)"
        for customer in world.samples["customers.Customer"].values():
            assert customer.display_name not in lines[0] and customer.phone[3:] not in lines[0]


def admin_path(model, kind: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}", args=args)


def operation_filter_choices(response) -> set[int] | None:
    """The operation ids offered by the changelist's operation filter (None: not shown)."""
    for spec in response.context["cl"].filter_specs:
        if getattr(spec, "field_path", None) == "operation":
            return {pk for pk, _label in spec.lookup_choices}
    return None


def attendance_state():
    from attendance.models import Attendance, Event, Message

    rows = {
        a.pk: (a.status, a.agent_id, a.group_id, a.closed_at, a.close_reason, a.classification_node_id)
        for a in Attendance.objects.all()
    }
    return rows, Event.objects.count(), Message.objects.count()


def attendance_api_failures(role: str, world: World) -> list[str]:
    client = api_client(user_for(role, world))
    visible = {key for key in ATTENDANCES if att_visible(role, world, key)}
    visible_ids = {world.attendances[key].pk for key in visible}
    hidden = {
        mark: f"attendance {key}'s {what}"
        for key in ATTENDANCES
        if key not in visible
        for what, mark in attendance_marks(world, key).items()
    }
    hidden |= dict.fromkeys(world.secrets, "a channel token")
    rows, events, messages = attendance_state()
    sent, failures = 0, []
    for target in attendance_urls(world):
        expect = expected_attendance_api(role, world, target)
        if target.method == "post":
            response = client.post(target.url, target.data, format="json")
        else:
            response = getattr(client, target.method)(target.url)
        where = f"[{role}] {target.method.upper()} {target.url} ({target.kind})"
        problem = check_status(client, response, target.url, expect)
        if target.method == "delete" and 200 <= response.status_code < 300:
            problem = f"got {response.status_code}: DELETE must never succeed"
        if problem:
            failures.append(f"{where}: expected {expect.describe()}, {problem}")
            continue
        sent += response.status_code == 201
        if not 200 <= response.status_code < 300:
            continue
        body = response.content.decode()
        failures += [f"{where}: leaks {what} ({mark!r})" for mark, what in hidden.items() if mark in body]
        if target.kind in ("list", "filtered"):
            ids = {row["id"] for row in response.json()["results"]}
            if ids - visible_ids:
                failures.append(f"{where}: leaks attendance ids {sorted(ids - visible_ids)}")
            if target.kind == "list" and visible_ids - ids:
                failures.append(f"{where}: attendance ids {sorted(visible_ids - ids)} missing from the list")
        elif target.kind == "detail":
            # The detail carries the attendance's own messages and events (not vacuous).
            marks = attendance_marks(world, target.key)
            missing = [what for what, mark in marks.items() if mark not in body]
            if missing:
                failures.append(f"{where}: the detail lacks its own {', '.join(missing)}")
    # Nothing deleted or changed; the only new rows are the messages that were sent.
    rows_after, events_after, messages_after = attendance_state()
    if rows_after != rows:
        changed = sorted(pk for pk in rows.keys() | rows_after.keys() if rows.get(pk) != rows_after.get(pk))
        failures.append(f"[{role}] attendances {changed} changed or vanished")
    if events_after != events:
        failures.append(f"[{role}] events went from {events} to {events_after}")
    if messages_after - messages != sent:
        failures.append(f"[{role}] {messages_after - messages} messages added, {sent} sent (201)")
    return failures
