from django.urls import path

from . import stream, views

app_name = "workspace"

urlpatterns = [
    path("events/", stream.events, name="events"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("customers/", views.customers, name="customers"),
    path("attendances/<int:pk>/panel/", views.panel, name="panel"),
    path("attendances/<int:pk>/read/", views.mark_read, name="read"),
    path("media/<int:pk>/", views.media, name="media"),
]
