"""Writes to the registry. Each runs in one transaction, checks the model (``full_clean``)
before saving, and writes an audit row; a refusal raises before anything is stored."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from vpp import audit
from vpp.errors import ApplicationError
from vpp.models import Organisation, User

from .models import Battery, Job, Site, WorkloadClass
from .selectors import can_manage


def _owning_site(obj: models.Model) -> Site:
    if isinstance(obj, Site):
        return obj
    if isinstance(obj, Job):
        return obj.workload.site
    return obj.site


def _require_manager(actor: User, obj: models.Model, field: str) -> None:
    site = _owning_site(obj)
    if not can_manage(actor, site):
        raise ApplicationError(
            f"no site {site.pk} among the sites you manage", field=field, code="forbidden_site"
        )


def _changes(obj: models.Model, fields: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: [str(getattr(obj, name, None)), str(value)]
        for name, value in fields.items()
        if getattr(obj, name, None) != value
    }


def resolve_organisation(*, actor: User, organisation: Organisation | None) -> Organisation:
    """The organisation a new site belongs to: an operator's own; an admin must name one."""
    if actor.is_operator:
        if organisation is not None and organisation.pk != actor.organisation_id:
            raise ApplicationError(
                "operators register sites for their own organisation only",
                field="organisation",
                code="forbidden_organisation",
            )
        return actor.organisation
    if actor.is_admin_role:
        if organisation is None:
            raise ApplicationError("name the site's operator organisation", field="organisation")
        return organisation
    raise ApplicationError("your role may not register sites", code="forbidden")


@transaction.atomic
def save_resource(*, actor: User, instance: models.Model, fields: dict[str, Any], action: str):
    """Create or update a site, battery, workload class or job with ``fields``.

    For an update the row is locked first so two editors cannot interleave."""
    creating = instance.pk is None
    if not creating:
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = {} if creating else _changes(instance, fields)
    for name, value in fields.items():
        setattr(instance, name, value)
    if not isinstance(instance, Site) or not creating:
        _require_manager(actor, instance, "workload" if isinstance(instance, Job) else "site")
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action=action,
        obj=instance,
        organisation=_owning_site(instance).organisation,
        changes=before if not creating else {k: str(v) for k, v in fields.items()},
    )
    return instance


def site_create(*, actor: User, organisation: Organisation | None = None, **fields) -> Site:
    org = resolve_organisation(actor=actor, organisation=organisation)
    return save_resource(
        actor=actor, instance=Site(organisation=org), fields=fields, action="site.create"
    )


def site_update(*, actor: User, site: Site, **fields) -> Site:
    fields.pop("organisation", None)  # a site never changes hands through an update
    return save_resource(actor=actor, instance=site, fields=fields, action="site.update")


@transaction.atomic
def site_deactivate(*, actor: User, site: Site) -> Site:
    """Take a site out of the portfolio; its history stays."""
    _require_manager(actor, site, "site")
    updated = Site.objects.filter(pk=site.pk, active=True).update(active=False)
    if updated:
        audit.record(
            actor=actor, action="site.deactivate", obj=site, organisation=site.organisation
        )
    site.refresh_from_db()
    return site


def resource_deactivate(*, actor: User, instance: Battery | WorkloadClass) -> None:
    save_resource(
        actor=actor,
        instance=instance,
        fields={"active": False},
        action=f"{instance._meta.model_name}.deactivate",
    )
