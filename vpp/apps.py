from django.apps import AppConfig


class VppConfig(AppConfig):
    name = "vpp"
    verbose_name = "Suandian VPP core"
