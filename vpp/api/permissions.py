"""Role rules for the API. Object scoping (which organisation's rows) is in each app's
selectors; these classes decide which roles may read and which may write."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadAnyRoleWriteRoles(BasePermission):
    """Any authenticated role reads; only ``write_roles`` (and admins) write.

    A view sets ``write_roles``; a regulator is never in it."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return user.is_admin_role or user.role in getattr(view, "write_roles", ())


class RoleRequired(BasePermission):
    """Only the roles in ``view.allowed_roles`` (and admins), for reads and writes alike."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_admin_role or user.role in getattr(view, "allowed_roles", ())
