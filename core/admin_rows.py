"""A changelist's rows, rendered at a fraction of Django's per-row cost (SPEC §12 P5).

Django's ``items_for_result`` works out, for every cell of every row, what does not
change from one row to the next: the column's CSS class, whether it links, the empty
value's text, and, for the link, the preserved filters (``add_preserved_filters``
resolves the change URL to see whether it is the changelist: ~55 µs a row on a filtered
or searched list). With 50 rows a page that was about half a changelist's CPU, so a page
listing 50 rows took 2–3 times one listing 15 (``bench/admin.py``). Here those are worked
out once per page (``columns``, the date format too: ``DateTimeText``) and each row only
reads its values and formats them with Django's own ``lookup_field``,
``display_for_field`` and ``display_for_value``: the HTML is the same, character for
character (``tests/core/test_admin_rows.py`` compares both on every list of the back
office). A list with editable fields keeps Django's rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode
from urllib.parse import quote as url_quote

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe


class DateTimeText:
    """``display_for_field`` of a date and time (``formats.localize`` of its local time,
    the language's ``DATETIME_FORMAT``) with the format read and split once per page:
    Django reads the format and splits it again for every cell, ~40 µs a cell, three cells
    a row of the attendances' list. The pieces are ``DateFormat.format``'s own."""

    def __init__(self, format_name: str = "DATETIME_FORMAT"):
        pieces = dateformat.re_formatchars.split(str(formats.get_format(format_name)))
        self.pieces = [
            (True, piece) if index % 2 else (False, dateformat.re_escaped.sub(r"\1", piece))
            for index, piece in enumerate(pieces)
            if index % 2 or piece
        ]

    def __call__(self, value) -> str:
        local = dateformat.DateFormat(timezone.template_localtime(value))
        return "".join(str(getattr(local, piece)()) if code else piece for code, piece in self.pieces)


@dataclass(frozen=True)
class Column:
    name: str
    classes: tuple[str, ...]  # "field-<name>"; a cell adds "nowrap" for dates and relations
    tag: str | None  # "th"/"td" for the column that links to the change page, else None
    datetime_text: DateTimeText | None = None  # a date and time field's column


def results(cl) -> list:
    """``admin_list.results(cl)``, as a list, each row's cells worked out as Django does."""
    if cl.formset:
        return list(admin_list.results(cl))
    columns = page_columns(cl)
    empty = cl.model_admin.get_empty_value_display()
    link_query = preserved_query(cl)
    url_for = change_url_maker(cl)
    return [
        admin_list.ResultList(None, list(row_cells(cl, result, columns, empty, link_query, url_for)))
        for result in cl.result_list
    ]


_PK_SLOT = "atende-row-pk"
PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what ``reverse`` leaves unquoted in a path


def change_url_maker(cl):
    """``cl.url_for_result``, reversed once per page: the change URL with a placeholder
    for the primary key, filled in for each row (``reverse`` is ~35 µs a row; Django
    calls it for every row). A changelist that redefines ``url_for_result`` keeps it."""
    if type(cl).url_for_result is not ChangeList.url_for_result:
        return cl.url_for_result
    try:
        template = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
            args=(_PK_SLOT,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return cl.url_for_result
    before, _slot, after = template.partition(_PK_SLOT)
    # As ``reverse`` writes the key: the admin's quoting, then the URL's.
    return lambda result: f"{before}{url_quote(str(quote(getattr(result, cl.pk_attname))), safe=PATH_SAFE)}{after}"


def page_columns(cl) -> list[Column]:
    """What ``items_for_result`` decides for each column, the same for every row."""
    columns, first, datetime_text = [], True, None
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            links = False
        elif first and not cl.list_display_links:
            links = True
        else:
            links = name in cl.list_display_links
        tag = ("th" if first else "td") if links else None
        first = first and not links
        field = _model_field(cl, name)
        if isinstance(field, models.DateTimeField) and not field.flatchoices and not field.auto_created:
            # A list may ask for a shorter format ("07/12/2026 10:21"): ``list_datetime_format``.
            list_format = getattr(cl.model_admin, "list_datetime_format", "DATETIME_FORMAT")
            datetime_text = datetime_text or DateTimeText(list_format)
            text = datetime_text
        else:
            text = None
        columns.append(Column(name, (f"field-{admin_list._coerce_field_name(name, index)}",), tag, text))
    return columns


def _model_field(cl, name):
    """The model field ``lookup_field`` displays for the column ``name``, if it is one."""
    if not isinstance(name, str) or LOOKUP_SEP in name:
        return None
    try:
        return cl.lookup_opts.get_field(name)
    except FieldDoesNotExist:
        return None


def preserved_query(cl) -> str:
    """The query string ``add_preserved_filters`` puts on a row's change URL: the list's
    filters as ``_changelist_filters`` (a change URL has no query of its own and is not
    the changelist, so the result is the same for every row)."""
    return urlencode(dict(parse_qsl(cl.preserved_filters))) if cl.preserved_filters else ""


def row_cells(cl, result, columns: list[Column], empty, link_query: str, url_for):
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
                elif column.datetime_text is not None and value not in field.empty_values:
                    result_repr = column.datetime_text(value)
                else:
                    result_repr = display_for_field(value, field, empty_value_display, avoid_link=bool(column.tag))
                if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                    classes = (*classes, "nowrap")
        row_class = f' class="{" ".join(classes)}"'
        if column.tag is None:
            yield mark_safe(f"<td{row_class}>{conditional_escape(result_repr)}</td>")  # noqa: S308 - escaped
            continue
        try:
            url = url_for(result)
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
