"""Each role starts on its own page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("trader", "trading:desk"),
        ("operator_a", "console:console"),
        ("admin_user", "sites:list"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client, request, persona, start):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("home"))["Location"] == reverse(start)


def test_a_regulator_gets_the_portal_home(client, regulator):
    client.force_login(regulator)
    assert client.get(reverse("home")).status_code == 200
