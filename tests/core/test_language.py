"""Screens speak Brazilian Portuguese unless the user chose English, whatever the
browser's language (SPEC: "pt-br by default, with English available"; ``core.language``)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_a_browser_set_to_english_sees_the_login_page_in_portuguese():
    page = Client().get("/accounts/login/", **ENGLISH_BROWSER).content.decode()
    assert "Entrar" in page
    assert "Log in" not in page


def test_choosing_english_in_the_selector_switches_the_screens_and_back():
    browser = Client()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in browser.get("/accounts/login/").content.decode()
    browser.post("/i18n/setlang/", {"language": "pt-br", "next": "/accounts/login/"}, **ENGLISH_BROWSER)
    assert "Entrar" in browser.get("/accounts/login/", **ENGLISH_BROWSER).content.decode()


def test_an_unknown_language_cookie_falls_back_to_portuguese():
    browser = Client()
    browser.cookies["django_language"] = "xx"
    assert "Entrar" in browser.get("/accounts/login/", **ENGLISH_BROWSER).content.decode()


def test_an_api_client_without_a_session_gets_the_language_it_asks_for(api_as, admin_user, operation_a):
    client = api_as(admin_user)
    english = client.delete(f"/api/v1/operations/{operation_a.pk}/", **ENGLISH_BROWSER).json()["detail"]
    portuguese = client.delete(f"/api/v1/operations/{operation_a.pk}/").json()["detail"]
    assert "deactivate" in english
    assert "desative" in portuguese


def test_a_screens_api_calls_speak_the_screens_language(web_as, admin_user, operation_a):
    """The workspace and the dashboard call the API with their session: its messages
    must match the screen, not the browser's Accept-Language."""
    browser = web_as(admin_user)
    response = browser.delete(f"/api/v1/operations/{operation_a.pk}/", **ENGLISH_BROWSER)
    assert "desative" in response.json()["detail"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_real_english_chromium_gets_portuguese_then_english_when_chosen(live_server, browser):
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.locator("h1").inner_text() == "Entrar"
        page.select_option("select[name=language]", "en")
        page.wait_for_load_state("load")
        page.wait_for_function("document.querySelector('h1').innerText === 'Log in'")
    finally:
        context.close()
