"""Pages of the core: the role-aware home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def home(request):
    """Send each role to its starting page."""
    user = request.user
    if user.is_operator:
        return redirect("console:console")
    if user.is_trader:
        return redirect("trading:desk")
    if user.is_admin_role:
        return redirect("sites:list")
    return render(request, "home.html", {})
