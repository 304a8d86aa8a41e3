from django.apps import AppConfig


class OpenAdrConfig(AppConfig):
    """The OpenADR 3.1.0 VTN facade of dispatch (see docs/openadr.md).

    ``ready`` registers the instruction hook with dispatch's registry, so dispatch never
    imports this app: an instruction of an automated site becomes an event of its VEN."""

    name = "dispatch.openadr"
    label = "openadr"
    verbose_name = "OpenADR 3 VTN"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dispatch import hooks

        from .tasks import on_instruction_created

        hooks.register_on_instruction_created(on_instruction_created)
