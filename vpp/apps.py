from django.apps import AppConfig


class VppConfig(AppConfig):
    name = "vpp"
    verbose_name = "Suandian VPP core"

    def ready(self) -> None:
        # Token revocation on sign-out and on a password change (signal receivers), and the
        # schema's token scheme (a drf-spectacular extension registers itself when imported).
        from . import tokens  # noqa: F401
        from .api import schema  # noqa: F401
