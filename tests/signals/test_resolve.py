from __future__ import annotations

import pytest

from fitintent.signals._resolve import AccountIndex, AccountRef, normalize_name, registrable_domain

ACCOUNTS = [
    AccountRef("A1", "Fabrikam Ltd", "fabrikam.co.uk", "Leeds", "GB"),
    AccountRef("A2", "Contoso GmbH", "contoso.de", "Berlin", "DE"),
    AccountRef("A3", "Contoso Inc.", "contoso.com", "Austin", "US"),
    AccountRef("A4", "Northwind Fine Foods", "northwind-foods.example", "Lyon", "FR"),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("blog.fabrikam.co.uk", "fabrikam.co.uk"),
        ("https://www.contoso.com:8443/careers?x=1", "contoso.com"),
        ("shop.northwind-foods.example", "northwind-foods.example"),
        ("a.b.city.kawasaki.jp", "city.kawasaki.jp"),
        ("10.0.0.1", None),
        ("localhost", None),
    ],
)
def test_registrable_domain_is_public_suffix_aware_offline(
    value: str, expected: str | None
) -> None:
    assert registrable_domain(value) == expected


def test_names_lose_legal_forms_and_punctuation() -> None:
    assert normalize_name("Fabrikam, Ltd.") == normalize_name("FABRIKAM LIMITED") == "fabrikam"


def test_resolution_by_domain_name_and_location() -> None:
    idx = AccountIndex(ACCOUNTS)
    assert idx.resolve(domain="news.fabrikam.co.uk").account_id == "A1"
    m = idx.resolve(name="Contoso", country="DE")
    assert (m.account_id, m.method) == ("A2", "name+country")
    m = idx.resolve(name="Contoso", country="US", city="Austin")
    assert (m.account_id, m.confidence) == ("A3", 0.95)
    m = idx.resolve(name="Northwind Foods", country="FR")
    assert m.account_id == "A4" and m.method.startswith("fuzzy")
    ambiguous = idx.resolve(name="Contoso")
    assert ambiguous.account_id is None and "2 accounts" in ambiguous.reason
    unknown = idx.resolve(domain="tailspin.example")
    assert unknown.account_id is None and "tailspin.example" in unknown.reason
