"""Register OpenADR clients and print their credentials (the secret is shown only here).

    python manage.py openadr_register --site dc-shanghai-1 [--ven-name NAME]
    python manage.py openadr_register --bl aggregator-desk

A site gets a VEN: an OAuth client, its ven object (granted the target ``venName``) and
dispatch's automated-site flag, so its instructions become events. Registering a site again
rotates its credentials."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sites.models import Site
from vpp.errors import ApplicationError

from ...services.objects import register_bl_client, register_site_ven


class Command(BaseCommand):
    help = "Register a VEN for a site (or a business-logic client) and print its credentials."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--site", help="site code")
        group.add_argument("--bl", metavar="NAME", help="name of a business-logic client")
        parser.add_argument("--ven-name", help="venName (default: the site code)")

    def handle(self, *args, site=None, bl=None, ven_name=None, **options):
        try:
            if bl:
                client_id, secret = register_bl_client(name=bl)
                self.stdout.write(f"kind: bl\nclient_id: {client_id}\nclient_secret: {secret}")
                return
            found = Site.objects.filter(code=site).first()
            if found is None:
                raise CommandError(f"no site with code {site!r}")
            ven, client_id, secret = register_site_ven(site=found, ven_name=ven_name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"kind: ven\nven_name: {ven.ven_name}\nven_id: {ven.pk}\n"
            f"client_id: {client_id}\nclient_secret: {secret}"
        )
