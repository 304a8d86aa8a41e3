from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: the composition root that loads a portfolio and runs the whole flow.
    It may import every app; no app imports it."""

    name = "demo"
    verbose_name = "Demo"
