from django.apps import AppConfig


class VppConfig(AppConfig):
    name = "vpp"
    verbose_name = "Suandian VPP core"

    def ready(self) -> None:
        # Token revocation on sign-out and on a password change (signal receivers).
        from . import tokens  # noqa: F401
