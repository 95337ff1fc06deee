"""The widget in a real Chromium, embedded by a page of another origin (SPEC §15): the
visitor fills the pre-chat form, writes, the agent answers through the API, the widget
shows it live; a reload continues the conversation; the survey is answered by buttons."""

from __future__ import annotations

import gzip
import http.server
import threading
import time
from pathlib import Path

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import OperationalError
from playwright.sync_api import expect

from attendance.models import Attendance, Channel
from attendance.services import channel_save, group_save
from surveys.models import Response, Survey
from surveys.services import survey_save
from tests.factories import PASSWORD, ServiceGroupFactory, UserFactory, online
from users.models import Role
from webchat import views

WIDGET = Path(settings.BASE_DIR) / "static" / "webchat" / "widget.js"


def test_the_widget_is_at_most_30_kb_gzipped():
    assert len(gzip.compress(WIDGET.read_bytes(), compresslevel=9)) <= 30 * 1024


def _assigned_to(agent) -> Attendance:
    """Wait (liveness: up to 15 s) until the distribution gives the visitor's attendance to
    ``agent``. Only reads: the test's in-memory SQLite refuses a write from this thread at
    once ("table is locked") while a server thread reads for the widget's stream."""
    deadline = time.monotonic() + 15
    while True:
        try:
            attendance = Attendance.objects.filter(agent=agent).first()
        except OperationalError:
            attendance = None
        if attendance is not None or time.monotonic() > deadline:
            assert attendance is not None, "the distribution did not assign the visitor's attendance"
            return attendance
        time.sleep(0.2)


def _serious_violations(page) -> list[str]:
    """axe-core on the page, the widget's Shadow DOM included: serious or critical only."""
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations
            if v["impact"] in ("serious", "critical")]  # fmt: skip


class _HostPage:
    """A shop's page on 127.0.0.2 (another origin than the live server) embedding the line."""

    def __init__(self, script_url: str):
        html = (f'<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>Loja</title>'
                f'<style>button{{background:red!important}}</style></head><body><h1>Loja</h1>'
                f'<script src="{script_url}" async></script></body></html>').encode()  # fmt: skip

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_on_another_site_talks_to_an_agent_and_rates_the_service(live_server, browser, operation_a,
                                                                           monkeypatch):  # fmt: skip
    monkeypatch.setattr(views, "STREAM_SECONDS", 5)  # streams end soon after the page goes
    eva = UserFactory(username="eva", display_name="Eva Agente", role=Role.AGENT, operations=[operation_a],
                      max_simultaneous=5)  # fmt: skip
    survey = survey_save(survey=Survey(name="Pesquisa", send_on_close_by=["agent", "bot"]), questions=[
        {"type": "csat", "text": "Como foi o atendimento?",
         "options": [{"text": "Ótimo", "satisfied": True}, {"text": "Ruim", "satisfied": False}]},
        {"type": "nps", "text": "De 0 a 10, nos recomendaria?"},
    ]).survey  # fmt: skip
    group = ServiceGroupFactory(name="Atendimento", operation=operation_a, agents=[eva], survey=survey)
    group.survey_required = True
    group_save(group=group)
    online(eva)
    channel = Channel(name="Chat da loja", network="webchat", provider="webchat", title="Fale com a Loja",
                      consent_text="Aceito que a Loja use meus dados para me atender.")  # fmt: skip
    channel_save(channel=channel)
    host = _HostPage(f"{live_server.url}/webchat/{channel.public_id}/widget.js")
    channel.allowed_origins = host.url
    channel_save(channel=channel)
    token = requests.post(f"{live_server.url}/api/v1/auth/token/", json={"username": "eva", "password": PASSWORD},
                          timeout=30).json()["token"]  # fmt: skip
    api = {"Authorization": f"Token {token}"}

    context = browser.new_context(locale="pt-BR", viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)  # liveness: the widget's stream polls every second
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(host.url)
        page.get_by_role("button", name="Fale com a Loja").click()
        page.get_by_label("Nome (obrigatório)").fill("Maria Souza")
        assert _serious_violations(page) == []  # the pre-chat form
        page.get_by_role("button", name="Iniciar conversa").click()
        expect(page.get_by_text("Aceite os termos para iniciar a conversa.")).to_be_visible()
        page.get_by_label("Aceito que a Loja use meus dados para me atender.").check()
        page.get_by_role("button", name="Iniciar conversa").click()
        box = page.get_by_label("Escreva sua mensagem")
        box.fill("Meu pedido não chegou")
        box.press("Enter")
        log = page.get_by_role("log")
        expect(log.get_by_text("Meu pedido não chegou")).to_be_visible()

        attendance = _assigned_to(eva)  # the engine's distribution, in the server: no write from here
        answer = requests.post(f"{live_server.url}/api/v1/attendances/{attendance.pk}/messages/", headers=api,
                               json={"kind": "text", "text": "Vou verificar agora, Maria."}, timeout=30)  # fmt: skip
        assert answer.status_code == 201, answer.text
        expect(log.get_by_text("Vou verificar agora, Maria.")).to_be_visible()  # live, without reload
        assert _serious_violations(page) == []  # the conversation

        page.reload()  # the token kept in the browser continues the conversation
        log = page.get_by_role("log")
        expect(log.get_by_text("Meu pedido não chegou")).to_be_visible()
        expect(log.get_by_text("Vou verificar agora, Maria.")).to_be_visible()

        closed = requests.post(f"{live_server.url}/api/v1/attendances/{attendance.pk}/close/", headers=api,
                               json={"send_survey": True}, timeout=30)  # fmt: skip
        assert closed.status_code == 200, closed.text
        survey_buttons = page.get_by_role("group", name="Respostas da pesquisa")
        expect(survey_buttons.get_by_role("button", name="Ótimo")).to_be_visible()
        assert _serious_violations(page) == []  # the survey's buttons
        survey_buttons.get_by_role("button", name="Ótimo").click()
        survey_buttons.get_by_role("button", name="10", exact=True).click()
        expect(survey_buttons).to_be_hidden()
        answers = Response.objects.filter(attendance=attendance).order_by("pk")
        assert [(a.option, a.score) for a in answers] == [("Ótimo", None), ("", 10)]
        assert errors == []
    finally:
        context.close()
        host.stop()
