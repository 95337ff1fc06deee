"""The django-import-export baseline of ``bench/import.py`` (SPEC §12 P4).

A ``ModelResource`` for ``customers.Customer`` that does the same work as Atende's
customer import, tuned as the library documents for speed:

- validation: ``before_import_row`` judges every row with ``CustomerImport.validate_row``,
  the very function Atende's engine uses (it calls ``customers.services.customer_clean_fields``:
  phone → E.164, CPF/CNPJ check digits, e-mail, network, name required, cell checks).
  A bad row raises ``ValidationError`` and becomes an *invalid* row (the others are still
  imported: ``rollback_on_validation_errors`` stays off). The cleaned values replace the
  row's cells, and the resource's fields copy them onto the instance;
- ``username`` is generated with ``Customer.make_username`` in ``before_save_instance``;
- duplicates on ``(network, phone)``: ``force_init_instance=True`` (no per-row SELECT by
  ``import_id_fields``); the keys already in the table are loaded once in
  ``before_import`` and ``skip_row`` skips a row whose key was seen (in the table or
  earlier in the file) — the fastest correct way, so the baseline is at its best;
- writes: ``use_bulk=True, batch_size=1000``, ``bulk_create`` overridden to use
  ``simple_history``'s ``bulk_create_with_history`` like Atende does (same rows written:
  customers plus their audit history);
- ``skip_diff=True``, ``skip_html_diff=True``, ``report_skipped=False``,
  ``use_transactions=True``, ``clean_model_instances=False`` (validation above is complete).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from simple_history.utils import bulk_create_with_history

from customers.importer import CustomerImport
from customers.models import Customer
from imports.readers import cell_text

# Column of the file → field of the model (the template's headers).
COLUMNS = {
    "display_name": "DISPLAY NAME",
    "network": "NETWORK",
    "phone": "PHONE NUMBER",
    "document": "CPF/CNPJ",
    "document_type": "_DOCUMENT TYPE",  # filled in by before_import_row
    "email": "EMAIL",
}


def text_field(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=COLUMNS[name], widget=widgets.CharWidget())


class CustomerResource(resources.ModelResource):
    display_name = text_field("display_name")
    network = text_field("network")
    phone = text_field("phone")
    document = text_field("document")
    document_type = text_field("document_type")
    email = text_field("email")

    class Meta:
        model = Customer
        fields = tuple(COLUMNS)
        force_init_instance = True
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        skip_html_diff = True
        skip_unchanged = False  # every kept row is new: nothing to compare
        report_skipped = False
        use_transactions = True
        clean_model_instances = False

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.spec = CustomerImport()
        self.seen: set[tuple[str, str]] = set()

    def before_import(self, dataset, **kwargs):
        self.spec.prepare()
        self.seen = set(Customer.objects.values_list("network", "phone"))

    def before_import_row(self, row, **kwargs):
        data = {str(column): cell_text(value) for column, value in row.items() if column}
        clean, problems = self.spec.validate_row(data)
        if problems:
            raise ValidationError(problems)
        row[COLUMNS["display_name"]] = clean["display_name"]
        row[COLUMNS["network"]] = clean["network"]
        row[COLUMNS["phone"]] = clean["phone"]
        row[COLUMNS["document"]] = clean["document"]
        row[COLUMNS["document_type"]] = clean["document_type"]
        row[COLUMNS["email"]] = clean["email"]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        key = (instance.network, instance.phone)
        if key in self.seen:
            return True
        self.seen.add(key)
        return False

    def before_save_instance(self, instance, row, **kwargs):
        instance.username = Customer.make_username(instance.network, instance.phone)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk_create_with_history(
                    self.create_instances,
                    Customer,
                    batch_size=batch_size or self._meta.batch_size,
                    default_user=self.user,
                    default_change_reason="import",
                )
            except Exception as error:  # noqa: BLE001 - reported like the library does
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()
