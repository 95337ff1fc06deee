from django.urls import path

from . import views

urlpatterns = [
    path("demo/", views.demo, name="webchat-demo"),
    path("<str:public_id>/widget.js", views.widget, name="webchat-widget"),
    path("<str:public_id>/sessions/", views.sessions, name="webchat-sessions"),
    path("<str:public_id>/messages/", views.messages, name="webchat-messages"),
    path("<str:public_id>/events/", views.events, name="webchat-events"),
    path("<str:public_id>/typing/", views.typing, name="webchat-typing"),
    path("<str:public_id>/close/", views.close, name="webchat-close"),
]
