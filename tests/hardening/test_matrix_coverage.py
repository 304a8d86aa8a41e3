"""The access matrix (tests/test_access_matrix.py) really covers the URL conf: pages, the API
and the OpenADR 3 VTN, and a URL pattern without a name cannot slip past it."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, path

from tests import test_access_matrix as matrix


def _walk_all(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if hasattr(p, "url_patterns"):
            if route.startswith("admin/"):
                continue
            yield from _walk_all(p.url_patterns, route)
        else:
            yield route, p


def test_every_non_admin_pattern_is_named_so_the_matrix_sees_it():
    unnamed = [
        route
        for route, p in _walk_all(get_resolver().url_patterns)
        if not p.name and "format" not in p.pattern.regex.groupindex
    ]
    assert not unnamed, f"URL patterns without a name escape the access matrix: {unnamed}"


def test_the_matrix_covers_pages_api_and_openadr():
    names = matrix.url_names()
    assert {"home", "login", "sites:list", "dispatch:inbox", "settlement:meter-upload"} <= names
    assert any(n.startswith("api:") for n in names)
    assert any(n.startswith("openadr:") for n in names)
    assert names == set(matrix.RULES)


def test_an_unnamed_pattern_fails_the_coverage_check(settings):
    urls = type("urls", (), {})()
    urls.urlpatterns = [*get_resolver().url_patterns, path("sneaky/", lambda r: None)]
    settings.ROOT_URLCONF = urls
    with pytest.raises(AssertionError, match="sneaky/"):
        test_every_non_admin_pattern_is_named_so_the_matrix_sees_it()


def test_a_named_pattern_without_a_rule_fails_the_matrix(settings):
    urls = type("urls", (), {})()
    urls.urlpatterns = [*get_resolver().url_patterns, path("new/", lambda r: None, name="new")]
    settings.ROOT_URLCONF = urls
    with pytest.raises(AssertionError, match="'new'"):
        matrix.test_every_url_has_a_rule()
