"""The privacy screens (SPEC §17), included by ``config/urls.py`` through the admin
site's view wrapper (login, and agents sent to their workspace)."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("privacy/", admin.site.admin_view(views.privacy_page), name="privacy"),
    path("privacy/customers/<int:pk>/", admin.site.admin_view(views.customer_page), name="privacy-customer"),
]
