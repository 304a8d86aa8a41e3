"""Role checks for pages (the API's are in ``vpp.api.permissions``)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*roles: str):
    """A page only the given roles (and admins) may open; others get 403, anonymous a login."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_admin_role or user.role in roles):
                raise PermissionDenied("your role may not open this page")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator
