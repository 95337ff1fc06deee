"""``{% result_list cl %}`` with the rows of ``core.admin_rows`` (loaded by
``templates/admin/change_list.html`` after Django's ``admin_list``)."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode

from core import admin_rows

register = template.Library()


def result_list(cl) -> dict:
    """Django's ``admin_list.result_list`` context, the rows from ``admin_rows.results``."""
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": admin_rows.results(cl),
    }


@register.tag(name="result_list")
def result_list_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=result_list, template_name="change_list_results.html", takes_context=False
    )
