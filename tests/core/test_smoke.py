import pytest

pytestmark = pytest.mark.django_db


def test_admin_index_renders_in_portuguese_for_an_admin(web_as, admin_user):
    response = web_as(admin_user).get("/admin/")
    assert response.status_code == 200
    assert 'lang="pt-br"' in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/user/",
        "/admin/users/user/add/",
        "/admin/users/profile/",
        "/admin/users/profile/add/",
        "/admin/organisation/company/",
        "/admin/organisation/company/add/",
        "/admin/organisation/operation/",
        "/admin/organisation/operation/add/",
        "/admin/attendance/bot/",
        "/admin/attendance/bot/add/",
        "/admin/attendance/servicegroup/",
        "/admin/attendance/servicegroup/add/",
        "/admin/surveys/survey/",
        "/admin/surveys/survey/add/",
        "/admin/classifications/classification/",
        "/admin/classifications/classification/add/",
    ],
)
def test_admin_pages_render(web_as, admin_user, url):
    assert web_as(admin_user).get(url).status_code == 200


def test_admin_change_pages_render(web_as, cast):
    browser = web_as(cast["admin"])
    for user in cast.values():
        assert browser.get(f"/admin/users/user/{user.pk}/change/").status_code == 200
        assert browser.get(f"/admin/users/user/{user.pk}/history/").status_code == 200


def test_english_is_available(web_as, admin_user):
    browser = web_as(admin_user)
    browser.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = browser.get("/admin/users/user/add/").content.decode()
    assert "User identity" in page and "Identidade do usuário" not in page


def test_the_demo_configuration_pages_render(web_as, admin_user):
    from attendance.models import Bot, ServiceGroup
    from classifications.models import Classification
    from demo.loader import seed_demo
    from surveys.models import Survey

    seed_demo()
    browser = web_as(admin_user)
    for model, path in [
        (Bot, "attendance/bot"),
        (ServiceGroup, "attendance/servicegroup"),
        (Survey, "surveys/survey"),
        (Classification, "classifications/classification"),
    ]:
        for obj in model.objects.all():
            assert browser.get(f"/admin/{path}/{obj.pk}/change/").status_code == 200, (path, obj)
