"""The API's filter sets: relation filters take an id and never say whether it exists.

django-filter's default for a foreign key is a choice among the rows of the related
model, which answers 400 "select a valid choice" for an id that does not exist and 200
for one of another operation: that tells a supervisor which ids exist elsewhere. Here
every relation filter is a plain integer (a missing id and a hidden id both give an empty
list, SPEC §10), and ``FilterBackend`` applies the same rule to ``filterset_fields``.
"""

from __future__ import annotations

import django_filters
from django.db import models
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet

from .forms import AsciiIntegerField


class IdFilter(django_filters.NumberFilter):
    """A related row by its id: digits only, never checked against the table."""

    field_class = AsciiIntegerField


_ID = {"filter_class": IdFilter}


class FilterSet(RestFilterSet):
    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: _ID,
        models.OneToOneField: _ID,
        models.ManyToManyField: _ID,
        models.ManyToOneRel: _ID,
        models.ManyToManyRel: _ID,
        models.OneToOneRel: _ID,
    }


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet
