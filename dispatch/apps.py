from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    label = "dispatch"
    verbose_name = "Dispatch"
