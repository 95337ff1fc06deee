"""Portuguese error pages with the back office's look, DEBUG off (issue 31, item 6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db

ENGLISH = ["Not Found", "Server Error", "Forbidden", "CSRF verification failed", "The requested resource"]


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), path("", include("config.urls"))]
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"


def _assert_portuguese_page(response, status: int, heading: str) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in page
    assert 'lang="pt-br"' in page
    assert "css/admin.css" in page  # the site's look
    assert "Voltar para a página inicial" in page
    for english in ENGLISH:
        assert english not in page
    return page


@override_settings(DEBUG=False)
def test_a_missing_page_answers_in_portuguese_with_the_site_look(web_as, admin_user):
    _assert_portuguese_page(web_as(admin_user).get("/nao-existe/"), 404, "Página não encontrada")


@override_settings(DEBUG=False)
def test_a_missing_page_answers_in_portuguese_to_a_visitor_not_logged_in():
    _assert_portuguese_page(Client().get("/nao-existe/"), 404, "Página não encontrada")


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_server_error_answers_in_portuguese_without_a_traceback():
    response = Client(raise_request_exception=False).get("/boom/")
    page = _assert_portuguese_page(response, 500, "Erro no servidor")
    assert "a bug" not in page and "Traceback" not in page


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_forbidden_page_answers_in_portuguese():
    _assert_portuguese_page(Client().get("/forbidden/"), 403, "Acesso negado")


@override_settings(DEBUG=False)
def test_a_form_sent_without_its_csrf_token_answers_in_portuguese(admin_user):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"username": "ana", "password": "x"})
    page = _assert_portuguese_page(response, 403, "O formulário expirou")
    assert "Recarregue a página" in page


def test_the_error_pages_render_under_the_production_settings():
    """Production settings add nothing that the pages depend on (no request, no session for 500)."""
    import subprocess
    import sys

    script = (
        "import django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production';"
        "os.environ.setdefault('SECRET_KEY','x'*50);os.environ['DEBUG']='0';"
        "django.setup();"
        "from django.template import loader;from django.utils import translation;"
        "translation.activate('pt-br');"
        "print(loader.get_template('500.html').render())"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<h1>Erro no servidor</h1>" in result.stdout
