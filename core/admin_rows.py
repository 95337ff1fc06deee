"""A changelist's rows, rendered at a fraction of Django's per-row cost (SPEC §12 P5).

Django's ``items_for_result`` works out, for every cell of every row, what does not
change from one row to the next: the column's CSS class, whether it links, the empty
value's text, and, for the link, the preserved filters (``add_preserved_filters``
resolves the change URL to see whether it is the changelist: ~55 µs a row on a filtered
or searched list). With 50 rows a page that was about half a changelist's CPU, so a page
listing 50 rows took 2–3 times one listing 15 (``bench/admin.py``). Here those are worked
out once per page (``columns``) and each row only reads its values and formats them with
Django's own ``lookup_field``, ``display_for_field`` and ``display_for_value``: the HTML
is the same, character for character (``tests/core/test_admin_rows.py`` compares both on
every list of the back office). A list with editable fields keeps Django's rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class Column:
    name: str
    classes: tuple[str, ...]  # "field-<name>"; a cell adds "nowrap" for dates and relations
    tag: str | None  # "th"/"td" for the column that links to the change page, else None


def results(cl) -> list:
    """``admin_list.results(cl)``, as a list, each row's cells worked out as Django does."""
    if cl.formset:
        return list(admin_list.results(cl))
    columns = page_columns(cl)
    empty = cl.model_admin.get_empty_value_display()
    link_query = preserved_query(cl)
    return [
        admin_list.ResultList(None, list(row_cells(cl, result, columns, empty, link_query)))
        for result in cl.result_list
    ]


def page_columns(cl) -> list[Column]:
    """What ``items_for_result`` decides for each column, the same for every row."""
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            links = False
        elif first and not cl.list_display_links:
            links = True
        else:
            links = name in cl.list_display_links
        tag = ("th" if first else "td") if links else None
        first = first and not links
        columns.append(Column(name, (f"field-{admin_list._coerce_field_name(name, index)}",), tag))
    return columns


def preserved_query(cl) -> str:
    """The query string ``add_preserved_filters`` puts on a row's change URL: the list's
    filters as ``_changelist_filters`` (a change URL has no query of its own and is not
    the changelist, so the result is the same for every row)."""
    return urlencode(dict(parse_qsl(cl.preserved_filters))) if cl.preserved_filters else ""


def row_cells(cl, result, columns: list[Column], empty, link_query: str):
    """The cells of one row (``items_for_result`` with ``form=None``)."""
    for column in columns:
        classes = column.classes
        empty_value_display = empty
        try:
            field, attr, value = lookup_field(column.name, result, cl.model_admin)
        except ObjectDoesNotExist:
            result_repr = empty_value_display
        else:
            empty_value_display = getattr(attr, "empty_value_display", empty_value_display)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if field is None or field.auto_created:
                if column.name == "action_checkbox":
                    classes = ("action-checkbox",)
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                result_repr = display_for_value(value, empty_value_display, boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    classes = (*classes, "nowrap")
            else:
                if isinstance(field.remote_field, models.ManyToOneRel):
                    related = getattr(result, field.name)
                    result_repr = empty_value_display if related is None else related
                else:
                    result_repr = display_for_field(value, field, empty_value_display, avoid_link=bool(column.tag))
                if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                    classes = (*classes, "nowrap")
        row_class = f' class="{" ".join(classes)}"'
        if column.tag is None:
            yield mark_safe(f"<td{row_class}>{conditional_escape(result_repr)}</td>")  # noqa: S308 - escaped
            continue
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            link_or_text = conditional_escape(result_repr)
        else:
            if link_query:
                url = f"{url}?{link_query}"
            popup = ""
            if cl.is_popup:
                key = result.serializable_value(str(cl.to_field or cl.pk_attname))
                popup = format_html(' data-popup-opener="{}"', key)
            link_or_text = format_html('<a href="{}"{}>{}</a>', url, popup, result_repr)
        yield mark_safe(f"<{column.tag}{row_class}>{link_or_text}</{column.tag}>")  # noqa: S308 - escaped
