"""Search by name at a million customers (SPEC §12 P5, ``customers/name_search.py``): what
people find — accents and case ignored, words in any order, word starts, pieces inside
words — through the words' index or the trigram index, and the admin lists running the
search once."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import name_search
from customers.models import Customer
from customers.selectors import customer_search
from customers.services import customer_save
from tests.factories import ServiceGroupFactory, queued_attendance

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NAMES = [
    "Fernanda Rocha",
    "Rocha Fernandes Lima",
    "José Antônio Gonçalves",
    "JOAO D'ÁVILA",
    "Juliana Hernandes",
    "Ana-Maria Souza",
    "Zé Lu",
]


@pytest.fixture
def people(db):
    return {
        name: customer_save(customer=Customer(), display_name=name, phone=f"3499123{n:04d}", document=document)
        for n, (name, document) in enumerate(zip(NAMES, ["52998224725", "", "", "", "", "", ""], strict=True))
    }


def _found(term: str, queryset=None) -> list[str]:
    found = customer_search(queryset=queryset or Customer.objects.all(), term=term)
    return sorted(found.values_list("display_name", flat=True))


def test_the_migration_indexes_the_expressions_the_search_uses():
    migration = importlib.import_module("customers.migrations.0005_name_fold_ascii")
    assert name_search.FOLDED_SQL.replace("{name}", "display_name") == migration.FOLDED
    assert name_search.WORDS_SQL.replace("{name}", "display_name") == migration.WORDS
    prefixes = importlib.import_module("customers.migrations.0006_name_word_prefixes")
    assert name_search.PREFIXES_SQL.replace("{name}", "display_name") == prefixes.PREFIXES
    assert f"tsvector_to_array({migration.WORDS})" in prefixes.FUNCTION


def test_the_words_index_holds_every_start_of_every_word():
    with connection.cursor() as cursor:
        cursor.execute("SELECT customer_name_prefixes(%s)::text", ["Ana-Maria D'Ávila"])
        assert cursor.fetchone()[0] == "'a' 'an' 'ana' 'av' 'avi' 'avil' 'avila' 'd' 'm' 'ma' 'mar' 'mari' 'maria'"


@pytest.mark.parametrize(
    "name", ["Fernanda Rocha", "José Antônio Gonçalves", "JOAO D'ÁVILA", "Ÿvonne Straße", "Søren Łukasz", "Zé 😀", ""]
)
def test_the_fold_is_the_one_that_translated_every_name(name):
    """Plain ASCII names skip ``translate``: every name folds as before (0004's fold)."""
    migration = importlib.import_module("customers.migrations.0005_name_fold_ascii")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {migration.FOLDED}, {migration.OLD_FOLDED} FROM (SELECT %s::varchar AS display_name) AS name",  # noqa: S608
            [name],
        )
        folded, before = cursor.fetchone()
    assert folded == before


@pytest.mark.parametrize(
    "term, expected",
    [
        ("fernanda rocha", ["Fernanda Rocha"]),  # whole words
        ("ROCHA FERNANDA", ["Fernanda Rocha"]),  # any order, any case
        ("fern roch", ["Fernanda Rocha", "Rocha Fernandes Lima"]),  # word starts
        ("jose goncalves", ["José Antônio Gonçalves"]),  # accents typed or not
        ("JOSÉ ANTÔNIO", ["José Antônio Gonçalves"]),
        ("joão d'avila", ["JOAO D'ÁVILA"]),
        ("avila", ["JOAO D'ÁVILA"]),
        ("maria", ["Ana-Maria Souza"]),  # a part of a hyphenated name
        ("ana", ["Ana-Maria Souza"]),  # word starts win: not "Juliana"
    ],
)
def test_words_and_word_starts(people, term, expected):
    assert _found(term) == expected


@pytest.mark.parametrize(
    "term, expected",
    [
        ("ernand", ["Fernanda Rocha", "Juliana Hernandes", "Rocha Fernandes Lima"]),  # inside words
        ("nanda roc", ["Fernanda Rocha"]),  # pieces of several words, as before
        ("OCHA ERNANDA", ["Fernanda Rocha"]),  # in any order
        ("ndes ima", ["Rocha Fernandes Lima"]),
        ("ernand ma", ["Rocha Fernandes Lima"]),  # a short piece, checked on what the long one found
        ("é l", ["Zé Lu"]),  # only short pieces: one piece, as before
        ("xyz", []),
    ],
)
def test_pieces_inside_words(people, term, expected):
    assert _found(term) == expected


def test_phone_with_mask_digits_and_cpf(people):
    assert _found("(34) 99123-0002") == ["José Antônio Gonçalves"]
    assert _found("5534991230003") == ["JOAO D'ÁVILA"]
    assert _found("529.982.247-25") == ["Fernanda Rocha"]


def test_word_starts_are_looked_for_in_the_list_being_searched(people):
    """Within a filtered list with no name starting with the words, pieces inside words
    are found."""
    without_ana = Customer.objects.exclude(display_name="Ana-Maria Souza")
    assert _found("ana", without_ana) == ["Juliana Hernandes"]


def _plan(term: str) -> str:
    queryset = customer_search(queryset=Customer.objects.all(), term=term).values("pk")
    with connection.cursor() as cursor:
        # A test table is tiny: ask whether the index can answer (bitmap scans only).
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_each_path_reads_its_index(people):
    assert "customer_name_prefix_words" in _plan("fernanda roch")
    assert "customer_name_pieces_trgm" in _plan("ernand")
    phone_plan = _plan("5534991230003")
    assert "customer_phone" in phone_plan and "customer_name_pieces_trgm" in phone_plan


def test_the_customers_list_runs_the_search_once(people, web_as, admin_user):
    browser = web_as(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/admin/customers/customer/", {"q": "rocha fern"})
    assert [c.display_name for c in response.context["cl"].result_list] == ["Fernanda Rocha", "Rocha Fernandes Lima"]
    searching = [
        q["sql"] for q in queries.captured_queries if "customer_name_prefixes" in q["sql"] or "LIKE" in q["sql"]
    ]
    # The matches' ids, once, with no check before; the count and the page read those ids.
    assert len(searching) == 1, searching
    assert "LIMIT 1001" in searching[0]  # the first 1,000 matches, and one more: "Mais de 1000 resultados"


def test_the_customers_list_looks_inside_words_when_no_name_starts_with_them(people, web_as, admin_user):
    browser = web_as(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/admin/customers/customer/", {"q": "ernand"})
    listed = [c.display_name for c in response.context["cl"].result_list]
    assert listed == ["Fernanda Rocha", "Juliana Hernandes", "Rocha Fernandes Lima"]
    searching = [
        q["sql"] for q in queries.captured_queries if "customer_name_prefixes" in q["sql"] or "LIKE" in q["sql"]
    ]
    # The words' ids (none), then the pieces' ids; the page reads those ids.
    assert ["customer_name_prefixes" in sql for sql in searching] == [True, False], searching


def test_a_term_that_may_be_a_phone_finds_the_phone_and_names_with_it_inside_a_word(people, web_as, admin_user):
    """The phone matches, yet no name starts a word with the digits: names with them
    inside a word are found too, as by ``customer_search``."""
    customer_save(customer=Customer(), display_name="Loja5534991230003", phone="34991239999")
    assert _found("5534991230003") == ["JOAO D'ÁVILA", "Loja5534991230003"]
    browser = web_as(admin_user)
    response = browser.get("/admin/customers/customer/", {"q": "5534991230003"})
    assert [c.display_name for c in response.context["cl"].result_list] == ["JOAO D'ÁVILA", "Loja5534991230003"]


def test_a_search_lists_its_first_matches_in_the_list_order_and_exports_all(people, web_as, admin_user, monkeypatch):
    monkeypatch.setattr("core.admin_paging.SEARCH_CAP", 2)
    browser = web_as(admin_user)
    response = browser.get("/admin/customers/customer/", {"q": "a", "o": "-1"})
    listed = [c.display_name for c in response.context["cl"].result_list]
    everything = sorted(_found("a"), reverse=True)
    assert len(everything) > 2 and listed == everything[:2]
    export = browser.get("/admin/customers/customer/export/", {"q": "a", "file_format": "csv"})
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert all(name in text for name in everything)


def test_the_attendances_list_finds_a_customer_by_name_in_any_order_and_accents(admin_user, web_as, operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    first = queued_attendance(group, "11999990001")
    second = queued_attendance(group, "11999990002")
    Customer.objects.filter(pk=first.customer_id).update(display_name="José Gonçalves")
    Customer.objects.filter(pk=second.customer_id).update(display_name="Fernanda Rocha")
    browser = web_as(admin_user)
    for term, expected in [("goncalves jose", [first.pk]), ("ROCHA fern", [second.pk]), ("nçalv", [first.pk])]:
        response = browser.get("/admin/attendance/attendance/", {"q": term})
        assert [a.pk for a in response.context["cl"].result_list] == expected, term


def test_the_attendances_list_reads_the_customers_words_once(admin_user, web_as, operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    attendance = queued_attendance(group, "11999990001")
    Customer.objects.filter(pk=attendance.customer_id).update(display_name="Fernanda Rocha")
    browser = web_as(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/admin/attendance/attendance/", {"q": "rocha fern"})
    assert [a.pk for a in response.context["cl"].result_list] == [attendance.pk]
    searching = [q["sql"] for q in queries.captured_queries if "customer_name_prefixes" in q["sql"]]
    assert len(searching) == 1, searching


@pytest.mark.parametrize("term", ["ernand", "j"])  # pieces inside words; word starts (ranked apart)
def test_a_search_pages_through_its_first_matches(people, web_as, admin_user, monkeypatch, term):
    from customers.admin import CustomerAdmin

    monkeypatch.setattr("core.admin_paging.SEARCH_CAP", 2)
    monkeypatch.setattr(CustomerAdmin, "list_per_page", 1)
    everything = _found(term)
    assert len(everything) > 2
    browser = web_as(admin_user)
    pages = []
    for number in (1, 2):
        response = browser.get("/admin/customers/customer/", {"q": term, "p": number})
        assert response.context["cl"].result_count == 2
        pages += [c.display_name for c in response.context["cl"].result_list]
    assert pages == everything[:2]


@pytest.mark.parametrize("order, expected", [("6", ["Alfa"]), ("-6", ["Bravo"])])
def test_a_words_search_sorted_by_group_lists_the_groups_in_name_order(
    web_as, admin_user, operation_a, monkeypatch, order, expected
):
    """Its first matches are those of the groups first by name, as the list shows them."""
    monkeypatch.setattr("core.admin_paging.SEARCH_CAP", 1)
    second = ServiceGroupFactory(operation=operation_a, name="Bravo")  # created first: the smaller id
    first = ServiceGroupFactory(operation=operation_a, name="Alfa")
    for n, group in enumerate([second, first]):
        customer_save(customer=Customer(), display_name=f"Fernanda Rocha {n}", phone=f"349912300{n:02d}", group=group)
    response = web_as(admin_user).get("/admin/customers/customer/", {"q": "fernanda rocha", "o": order})
    assert [c.group.name for c in response.context["cl"].result_list] == expected


def test_a_supervisor_who_sees_no_customer_searches_by_name_without_a_server_error(
    people, supervisor_a, supervisor_profile, api_as, web_as
):
    """Issue 32 item 3: customers are admin-only data, so a supervisor granted
    ``view_customer`` has an empty list; searching it by name (API, admin, export) finds
    nothing instead of failing on the empty query (``EmptyResultSet``)."""
    from django.contrib.auth.models import Permission

    supervisor_profile.permissions.add(Permission.objects.get(codename="view_customer"))
    api = api_as(supervisor_a)
    response = api.get("/api/v1/customers/?search=Fernanda")
    assert response.status_code == 200 and response.json()["results"] == []
    export = api.get("/api/v1/customers/export/?file_format=csv&search=Fernanda")
    assert export.status_code == 200 and "Fernanda" not in b"".join(export.streaming_content).decode()
    web = web_as(supervisor_a)
    page = web.get("/admin/customers/customer/?q=Fernanda")
    assert page.status_code == 200 and "Fernanda Rocha" not in page.content.decode()
    export = web.get("/admin/customers/customer/export/?file_format=csv&q=Fernanda")
    assert export.status_code == 200 and "Fernanda" not in b"".join(export.streaming_content).decode()
