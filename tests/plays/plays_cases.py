"""The hand-built cases of the plays tests, shared with the engine parity test."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from plays_world import AS_OF, World, month, months

NOW = AS_OF - timedelta(days=10)  # crawled recently
LONG_AGO = date(2015, 1, 1)


def eos_world(w: World | None = None) -> World:
    w = w if w is not None else World()
    ib = w.install_base

    def runs(account: str, tech: str, version: str | None, n: int | None, **kw: Any) -> None:
        ib.append((account, tech, version, n, kw.get("first", LONG_AGO), kw.get("last", NOW)))

    # id: install base; Azure / M365 scores decide the cluster of the replacement
    for a in ("ws5", "ws4", "split", "nurture", "old", "nodate", "office", "sql2017", "none"):
        w.account(a)
    runs("ws5", "Windows Server", "2008", 5)
    runs("ws4", "Windows Server", "2008", 4)
    runs("split", "Windows Server", "2008", 3)
    runs("split", "Windows Server", "2012 R2", 2)
    runs("nurture", "Windows Server", "2008 R2", 10)
    runs("old", "Windows Server", "2008", 10, last=AS_OF - timedelta(days=200))
    runs("nodate", " windows server ", "2008 r2", 6, first=None, last=None)
    runs("office", "Office", "2013", 20)
    runs("sql2017", "SQL Server", "2017", 8)
    runs("sql2017", "SQL Server", "2019", 8)
    for a in ("ws5", "ws4", "old", "nodate"):
        w.score(a, "Azure", 80.0, 80.0)  # A1: Act Now
    w.score("split", "Azure", 60.0, 20.0)  # E8: Evaluate
    w.score("nurture", "Azure", 40.0, 90.0)  # N9: Nurture
    w.score("office", "Azure", 90.0, 90.0)  # the M365 score is missing

    # competitors and agreements
    for a in ("g_now", "g_gone", "g_future", "aws", "ea_today", "ea_yesterday", "ov", "csp"):
        w.account(a)
    runs("g_now", "Google Workspace", "Business Standard", 30)
    runs("g_gone", "Google Workspace", "Business Standard", 30, last=AS_OF - timedelta(days=91))
    runs("g_future", "google workspace", None, 30, first=AS_OF + timedelta(days=1), last=None)
    runs("aws", "AWS", "EC2", None)
    w.agreements += [
        ("AG1", "ea_today", "EA", AS_OF, 1000.0, "Azure"),
        ("AG2", "ea_yesterday", "EA", AS_OF - timedelta(days=1), 1000.0, "Azure"),
        ("AG3", "ov", "Open Value", date(2028, 1, 1), 500.0, "Modern Work"),
        ("AG4", "csp", "CSP", date(2028, 1, 1), 500.0, "Modern Work"),
    ]
    return w


def whitespace_cases(w: World) -> None:
    # D365BC owners: annual spend per employee 100, 200, 300 (Retail, 25-99) and 50 (Finance);
    # the product's median is (100 + 200) / 2 = 150, the Retail 25-99 group's 200
    for a, employees, industry, spend in [
        ("own100", 50, "Retail", 5_000.0),
        ("own200", 50, "Retail", 10_000.0),
        ("own300", 50, "Retail", 15_000.0),
        ("own50", 200, "Finance", 10_000.0),
        ("zero_emp", 0, "Retail", 1_000_000.0),  # no employees: left out of the rates
    ]:
        w.account(a, employees, industry).billed(a, "D365BC", "Essentials", [month(0)], 1, spend)
    w.account("p_retail", 50, "Retail")
    w.account("p_mining", 10, "Mining")  # no owners in the group: the product's rate
    w.account("p_none", 40, None)
    w.account("cust", 60, "Retail")  # owns M365 through an active subscription only
    w.subscriptions.append(("cust", "M365", "E3", 60, date(2025, 1, 1), date(2027, 1, 1), "active"))
    w.account("lapsed", 60, "Retail")  # billed 13 months ago, subscription cancelled
    w.billed("lapsed", "M365", "E3", [month(12)])
    w.subscriptions.append(
        ("lapsed", "M365", "E3", 60, date(2024, 1, 1), date(2025, 9, 30), "cancelled")
    )


def upsell_cases(w: World) -> None:
    seats = [(m, 100.0) for m in months(11, 3)] + [(m, 112.0) for m in months(2, 0)]
    for a, sku, price in [("e3_grow", "E3", 36.0), ("e5_grow", "E5", 57.0)]:
        w.account(a, 150).series(a, "M365", sku, [(m, q, q * price) for m, q in seats])
    w.account("e3_flat", 150).billed("e3_flat", "M365", "E3", months(11), 100, 3600)
    # Azure spend: +16 % half on half is buying more, +14 % is not
    w.account("azure_up").series(
        "azure_up",
        "Azure",
        "Azure Plan",
        [(m, 1, 1000.0) for m in months(11, 6)] + [(m, 1, 1160.0) for m in months(5)],
    )
    w.account("azure_flat").series(
        "azure_flat",
        "Azure",
        "Azure Plan",
        [(m, 1, 1000.0) for m in months(11, 6)] + [(m, 1, 1140.0) for m in months(5)],
    )
    w.account("azure_new").billed("azure_new", "Azure", "Azure Plan", months(2), 1, 500)
    # 18 months of history: flat until the anchor month P-6, then two of five expand
    for a, after in [
        ("h1", 1000.0),
        ("h2", 1500.0),
        ("h3", 1200.0),
        ("h4", 1000.0),
        ("h5", 1000.0),
    ]:
        w.account(a).series(
            a,
            "Azure",
            "Azure Plan",
            [(m, 1, 1000.0) for m in months(17, 6)] + [(m, 1, after) for m in months(5)],
        )
    w.account("surface_new").billed("surface_new", "Surface", "Pro", [month(0)], 3, 3900)


def whitespace_world() -> World:
    w = World()
    whitespace_cases(w)
    upsell_cases(w)
    return w


def workload_cases(w: World) -> None:
    now = [month(0)]
    for i in range(10):
        a = f"c{i}"
        w.account(a).billed(a, "Azure", "Azure Plan", now).billed(a, "M365", "E3", now)
        if i < 6:
            w.billed(a, "PowerApps", "Per User", now).billed(a, "Azure", "Reserved VM", now)
        if i < 2:
            w.billed(a, "D365CE", "Sales Enterprise", now)  # two holders: below min support
    w.account("target").billed("target", "Azure", "Azure Plan", now)
    w.account("m365_only").billed("m365_only", "M365", "E3", now)
    w.account("both").billed("both", "Azure", "Azure Plan", now).billed("both", "M365", "E3", now)


def renewal_cases(w: World) -> None:
    ag = w.agreements
    for a in ("r_tx", "r_sub", "r_later", "r_lost", "r_wrongdiv", "r_other", "o_hist"):
        w.account(a)
    # history (ended at least three months before the end of the period)
    ag += [
        ("H1", "r_tx", "EA", date(2025, 6, 30), 1.0, "Modern Work"),
        ("H2", "r_sub", "EA", date(2025, 3, 31), 1.0, "Modern Work"),
        ("H3", "r_later", "EA", date(2024, 12, 31), 1.0, "Modern Work"),
        ("H3b", "r_later", "CSP", date(2027, 12, 31), 1.0, "Modern Work"),  # a new term
        ("H4", "r_lost", "EA", date(2025, 1, 31), 1.0, "Modern Work"),
        ("H5", "r_wrongdiv", "EA", date(2025, 5, 31), 1.0, "Business Applications"),
        ("H6", "r_other", "EA", date(2025, 2, 28), 1.0, "Something else"),
        ("H7", "o_hist", "Open", date(2025, 9, 30), 1.0, "Modern Work"),
    ]
    w.billed("r_tx", "M365", "E3", [date(2025, 4, 1), date(2025, 6, 1), date(2025, 8, 1)])
    w.subscriptions.append(("r_sub", "M365", "E3", 10, date(2024, 1, 1), None, "active"))
    w.billed("r_lost", "M365", "E3", [date(2024, 12, 1)])  # engaged, then nothing
    w.billed("r_wrongdiv", "M365", "E3", [date(2025, 7, 1)])  # another division
    w.billed("r_other", "Surface", "Pro", [date(2025, 3, 1)])  # unmapped division: any product
    # expiring: the twelve months from October 2026 to September 2027
    for a in ("x_start", "x_last", "x_after", "x_before", "x_open", "x_csp"):
        w.account(a)
    ag += [
        ("X1", "x_start", "EA", date(2026, 10, 1), 100.0, "Modern Work"),
        ("X2", "x_last", "EA", date(2027, 9, 30), 200.0, "Modern Work"),
        ("X3", "x_after", "EA", date(2027, 10, 1), 1.0, "Modern Work"),
        ("X4", "x_before", "EA", date(2026, 9, 30), 1.0, "Modern Work"),
        ("X5", "r_tx", "EA", date(2027, 3, 31), 300.0, "Modern Work"),
        ("X6", "x_open", "Open", date(2027, 2, 28), 1.0, "Modern Work"),
        ("X7", "x_csp", "CSP", date(2027, 2, 28), 1.0, "Modern Work"),
    ]
    w.billed("x_start", "M365", "E3", [month(1)])


def every_case() -> World:
    """All cases in one world (their account ids do not overlap)."""
    w = eos_world()
    whitespace_cases(w)
    upsell_cases(w)
    workload_cases(w)
    renewal_cases(w)
    return w
