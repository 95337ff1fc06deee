"""Customer export: the import template's columns, so an export can be re-imported."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from .importer import CustomerImport
from .models import Customer, CustomerAttribute


def customer_export_rows(queryset: QuerySet[Customer]) -> tuple[list[str], Iterator[list]]:
    queryset = queryset.select_related("group", "wallet_agent").order_by("pk")
    names = dict(CustomerAttribute.objects.values_list("pk", "description"))
    header = [c for c in CustomerImport.columns if c not in CustomerImport.repeatable]
    # One ATTRIBUTE / ATTRIBUTE'S VALUE pair per column pair, as many as the widest customer.
    widest = max((len(pairs or []) for pairs in queryset.values_list("attributes", flat=True).iterator()), default=0)

    def rows() -> Iterator[list]:
        for customer in queryset.iterator(chunk_size=2000):
            row = [
                customer.network,
                customer.phone[1:3],
                customer.phone[3:],
                customer.display_name,
                customer.document,
                customer.email,
                customer.group.name if customer.group else "",
                customer.wallet_agent.username if customer.wallet_agent else "",
            ]
            for pair in customer.attributes:
                row += [names.get(pair["attribute"], ""), pair["value"]]
            yield row

    return header + ["ATTRIBUTE", "ATTRIBUTE'S VALUE"] * max(widest, 1), rows()
