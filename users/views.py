"""Pages outside the admin: login, password change, the agent's landing page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .forms import LoginForm
from .models import Role
from .services import user_set_password


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Also the page a user with ``must_change_password`` is sent to before anything else."""

    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user = user_set_password(user=self.request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password was changed."))
        return redirect(self.get_success_url())


@login_required
def home(request):
    """Supervisors who may see the dashboard land on it; supervisor-agents and agents on
    their workspace (SPEC §7.2: the page they work in all day, which links to the back
    office); other staff go to the back office."""
    if request.user.role == Role.SUPERVISOR_AGENT:
        return redirect("workspace")
    if request.user.role == Role.SUPERVISOR and request.user.has_perm("attendance.view_dashboard"):
        return redirect("dashboard")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("workspace")
