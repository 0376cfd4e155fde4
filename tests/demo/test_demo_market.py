"""The market looks like an SMB market: heavy-tailed sizes, partners with several locations,
two years of history in every source, licence programs across fiscal years, EOS products."""

from __future__ import annotations

import pandas as pd
from demo_rules import SmallWorld

from fitintent.contracts import SIGNAL_TYPES

EOS = {
    ("Windows", "7"),
    ("Office", "2010"),
    ("Office", "2013"),
    ("SQL Server", "2008"),
    ("SQL Server", "2008 R2"),
    ("SQL Server", "2012"),
    ("Windows Server", "2008"),
    ("Windows Server", "2008 R2"),
    ("Windows Server", "2012"),
    ("Windows Server", "2012 R2"),
}
COMPETITORS = {"Google Workspace", "AWS", "Zoom", "QuickBooks", "Salesforce", "Slack"}
TOPICS = {
    "cloud_migration",
    "data_centre",
    "virtualisation",
    "remote_work",
    "collaboration",
    "email",
    "crm",
    "erp",
    "accounting",
    "low_code",
    "devices",
    "security",
    "analytics",
}


def test_company_sizes_are_heavy_tailed(small_world: SmallWorld) -> None:
    emp = pd.to_numeric(small_world.frames["accounts"]["employees"])
    assert 0.5 <= (emp < 25).mean() <= 0.7
    assert 0.22 <= ((emp >= 25) & (emp < 300)).mean() <= 0.38
    assert 0.06 <= (emp >= 300).mean() <= 0.13
    assert (emp >= 2_000).sum() >= 10


def test_partners_locations_and_accounts(small_world: SmallWorld) -> None:
    f = small_world.frames
    assert len(f["partners"]) >= 10
    per_partner = f["locations"].groupby("partner_id").size()
    assert per_partner.between(2, 6).all() and per_partner.index.size == len(f["partners"])
    assert f["accounts"]["partner_id"].nunique() == len(f["partners"])
    located = f["accounts"].merge(
        f["locations"], on=["location_id", "partner_id"], suffixes=("", "_location")
    )
    assert (located["country"] == located["country_location"]).mean() > 0.75


def test_firmographics(small_world: SmallWorld) -> None:
    acc = small_world.frames["accounts"]
    share = acc["country"].value_counts(normalize=True)
    assert share.index[0] == "US" and 0.35 <= share["US"] <= 0.5
    assert {"GB", "DE", "FR", "CA", "AU", "NL", "IN", "BR", "JP"} <= set(share.index)
    assert acc["domain"].is_unique and acc["duns"].is_unique
    assert acc["domain"].str.fullmatch(r"[a-z0-9-]+\.(example|test)").all()
    assert 0.03 <= (acc["is_non_profit"] == "true").mean() <= 0.08
    assert acc["industry"].nunique() >= 10 and acc["vertical"].nunique() >= 25
    for column in (
        "area",
        "subsidiary",
        "sales_territory",
        "city",
        "state",
        "postal_code",
        "revenue",
        "it_budget",
        "founded_year",
    ):
        assert acc[column].notna().all(), column


def test_holdings_follow_firmographics(small_world: SmallWorld) -> None:
    f = small_world.frames
    emp = f["accounts"].set_index("account_id")["employees"].astype(int)
    subs = f["subscriptions"]
    owners = subs.assign(employees=subs["account_id"].map(emp))
    m365 = set(owners.loc[owners["product"] == "M365", "account_id"])
    big, small = emp[emp >= 300].index, emp[emp < 25].index
    assert big.isin(list(m365)).mean() > small.isin(list(m365)).mean() + 0.2
    fo = owners.loc[owners["product"] == "D365FO", "employees"].median()
    bc = owners.loc[owners["product"] == "D365BC", "employees"].median()
    assert fo > 3 * bc
    assert {"E3", "E5", "Business Premium"} <= set(subs.loc[subs["product"] == "M365", "sku"])
    assert set(subs["status"]) == {"active", "cancelled", "expired", "suspended"}


def test_e3_customers_grow_seats(small_world: SmallWorld) -> None:
    tx = small_world.frames["transactions"]
    e3 = tx[(tx["product"] == "M365") & (tx["sku"] == "E3")].assign(
        quantity=lambda t: t["quantity"].astype(float)
    )
    span = e3.sort_values("month").groupby("account_id")["quantity"].agg(["first", "last"])
    assert ((span["last"] >= 1.3 * span["first"]) & (span["first"] >= 5)).sum() >= 10


def test_two_years_of_history(small_world: SmallWorld) -> None:
    f = small_world.frames
    assert f["transactions"]["month"].nunique() == 28
    assert f["signals"]["signal_time"].str.slice(0, 7).nunique() == 28
    assert f["opportunities"]["created_date"].str.slice(0, 7).nunique() >= 24
    assert f["signals"]["signal_time"].max() <= "2026-10-31 23:59:59"
    assert f["opportunities"]["created_date"].min() >= "2024-07-01"
    azure = f["transactions"][f["transactions"]["product"] == "Azure"]
    assert azure["revenue"].astype(float).std() > 0


def test_agreements_span_fiscal_years(small_world: SmallWorld) -> None:
    ag = small_world.frames["agreements"]
    assert set(ag["license_program"]) == {"EA", "Open", "Open Value", "CSP", "MPSA"}
    end = pd.to_datetime(ag["end_date"])
    fiscal_year = end.dt.year + (end.dt.month >= 7)
    assert fiscal_year.nunique() >= 5
    assert (ag["end_date"].str.slice(5) == "06-30").sum() >= 10
    assert (ag["end_date"].str.slice(5) == "07-01").sum() >= 10
    assert ag["expiring_revenue"].astype(float).gt(0).all()
    assert ag["product_division"].nunique() >= 3


def test_install_base(small_world: SmallWorld) -> None:
    ib = small_world.frames["install_base"]
    seen = set(zip(ib["technology"], ib["version"], strict=True))
    assert seen >= EOS
    assert set(ib["technology"]) >= COMPETITORS
    assert (ib["last_seen"] < "2026-10-01").any()  # some technology was retired


def test_signals(small_world: SmallWorld) -> None:
    f = small_world.frames
    sig = f["signals"]
    # every type but a third-party intent feed's, which the demo's connectors do not fake
    assert set(sig["signal_type"]) == set(SIGNAL_TYPES) - {"intent_topic"}
    assert set(sig["topic"].dropna()) == TOPICS
    only_domain = sig["account_id"].isna()
    assert 0.05 <= only_domain.mean() <= 0.2 and sig.loc[only_domain, "domain"].notna().all()
    domain = sig["account_id"].map(f["accounts"].set_index("account_id")["domain"])
    domain = domain.fillna(sig["domain"])
    host = sig["url"].str.extract(r"^https://([^/]+)/")[0]
    assert (host == domain).all()
    assert sig["text"].notna().all() and sig["strength"].notna().all()


def test_opportunities(small_world: SmallWorld) -> None:
    opp = small_world.frames["opportunities"]
    share = opp["outcome"].value_counts(normalize=True)
    assert set(share.index) == {"won", "lost", "open"}
    assert 0.2 <= share["won"] / (share["won"] + share["lost"]) <= 0.5
    assert set(opp["product"]) == {
        "M365",
        "O365",
        "Surface",
        "D365BC",
        "D365FO",
        "D365CE",
        "PowerApps",
        "Azure",
    }
    assert opp["amount"].astype(float).median() > 0
