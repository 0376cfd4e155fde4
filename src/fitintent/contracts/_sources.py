"""The nine sources of SPEC section 1, in load order (a source only references earlier ones)."""

from __future__ import annotations

from fitintent.config import Config
from fitintent.contracts._schema import Check, Column, Contract, Reference

ID = r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}"
COUNTRY = r"[A-Z]{2}"
DOMAIN = r"([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
SIGNAL_TYPES = (
    "blog_post",
    "press_release",
    "job_posting",
    "forum_post",
    "social_post",
    "news",
    "funding",
    "merger",
    "tech_adoption",
    "tech_retirement",
    "web_page",
    "size_change",
    "intent_topic",  # a third-party intent feed's topic surge for the account
)
SUBSCRIPTION_STATUS = ("active", "cancelled", "expired", "suspended")
OUTCOMES = ("won", "lost", "open")

_ACCOUNT_REF = Reference(("account_id",), "accounts", ("account_id",))


def _dates_ordered(first: str, last: str) -> Check:
    return Check(
        name=f"{first}_before_{last}",
        bad_when=f"{first} IS NOT NULL AND {last} IS NOT NULL AND {last} < {first}",
        message=f"{last} is before {first}",
        columns=(first, last),
    )


def contracts(cfg: Config) -> list[Contract]:
    """Every source contract for this configuration (product catalog, licence programs and the
    user's extra firmographic columns come from it)."""
    products = tuple(cfg.product_ids)
    programs = tuple(cfg.sources.license_programs)
    extras = tuple(
        Column(
            c.name,
            c.type,
            required=c.required,
            min=c.min,
            max=c.max,
            doc=c.description or "extra firmographic column (configuration)",
        )
        for c in cfg.extra_firmographics
    )
    return [
        Contract(
            "partners",
            "Resellers (partner organisations).",
            "one row per partner",
            "on change",
            (
                Column(
                    "partner_id",
                    required=True,
                    pattern=ID,
                    doc="Partner id (MPN-like)",
                    example="P0001",
                ),
                Column("partner_name", required=True, doc="Partner name", example="Contoso IT"),
            ),
            key=("partner_id",),
        ),
        Contract(
            "locations",
            "Partner locations; users can be scoped to them.",
            "one row per location",
            "on change",
            (
                Column("location_id", required=True, pattern=ID, example="P0001-L01"),
                Column("partner_id", required=True, pattern=ID, example="P0001"),
                Column("location_name", required=True, example="Contoso IT Lyon"),
                Column(
                    "country", required=True, pattern=COUNTRY, doc="ISO 3166 alpha-2", example="FR"
                ),
            ),
            key=("location_id",),
            references=(Reference(("partner_id",), "partners", ("partner_id",)),),
        ),
        Contract(
            "accounts",
            "Customers and prospects with firmographics, plus the configured extra columns.",
            "one row per customer",
            "quarterly",
            (
                Column(
                    "account_id", required=True, pattern=ID, doc="Customer id", example="A0000001"
                ),
                Column("duns", pattern=r"[0-9]{9}", doc="DUNS-like number", example="123456789"),
                Column("account_name", required=True, example="Fabrikam Ltd"),
                Column(
                    "domain",
                    pattern=DOMAIN,
                    doc="Web domain, lower case, no scheme",
                    example="fabrikam.example",
                ),
                Column("employees", "long", required=True, min=0, doc="Org size", example="140"),
                Column("industry", example="Manufacturing"),
                Column("vertical", example="Discrete Manufacturing"),
                Column("area", example="Western Europe"),
                Column("subsidiary", example="France"),
                Column("sales_territory", example="FR-South"),
                Column("city", example="Lyon"),
                Column("state", example="ARA"),
                Column("postal_code", example="69002"),
                Column("country", required=True, pattern=COUNTRY, example="FR"),
                Column("is_non_profit", "boolean", doc="true/false, yes/no, 1/0", example="false"),
                Column(
                    "partner_id",
                    required=True,
                    pattern=ID,
                    doc="Partner of record",
                    example="P0001",
                ),
                Column(
                    "location_id", pattern=ID, doc="Partner location of record", example="P0001-L01"
                ),
                *extras,
            ),
            key=("account_id",),
            references=(
                Reference(("partner_id",), "partners", ("partner_id",)),
                Reference(
                    ("location_id", "partner_id"), "locations", ("location_id", "partner_id")
                ),
            ),
        ),
        Contract(
            "install_base",
            "Technographics: what each account runs.",
            "account x technology",
            "monthly",
            (
                Column("account_id", required=True, pattern=ID, example="A0000001"),
                Column("technology", required=True, example="Windows Server"),
                Column("version", example="2012 R2"),
                Column("licence_count", "long", min=0, example="12"),
                Column("first_seen", "date", example="2021-03-01"),
                Column("last_seen", "date", example="2026-10-01"),
            ),
            key=("account_id", "technology", "version"),
            references=(_ACCOUNT_REF,),
            checks=(_dates_ordered("first_seen", "last_seen"),),
        ),
        Contract(
            "subscriptions",
            "Subscriptions held.",
            "account x product x SKU",
            "quarterly",
            (
                Column("account_id", required=True, pattern=ID, example="A0000001"),
                Column("product", required=True, allowed=products, example=products[0]),
                Column("sku", required=True, example="E3"),
                Column("seats", "long", required=True, min=0, example="45"),
                Column("start_date", "date", required=True, example="2024-07-01"),
                Column("end_date", "date", example="2027-06-30"),
                Column("status", required=True, allowed=SUBSCRIPTION_STATUS, example="active"),
            ),
            key=("account_id", "product", "sku"),
            references=(_ACCOUNT_REF,),
            checks=(_dates_ordered("start_date", "end_date"),),
        ),
        Contract(
            "transactions",
            "Billed revenue and consumption.",
            "account x month x product x SKU",
            "monthly",
            (
                Column("account_id", required=True, pattern=ID, example="A0000001"),
                Column(
                    "month",
                    "date",
                    required=True,
                    doc="First day of the month",
                    example="2026-09-01",
                ),
                Column("product", required=True, allowed=products, example=products[0]),
                Column("sku", required=True, example="E3"),
                Column("quantity", "double", required=True, min=0, example="45"),
                Column(
                    "revenue",
                    "double",
                    required=True,
                    min=0,
                    doc="Billed revenue (USD)",
                    example="1620.00",
                ),
            ),
            key=("account_id", "month", "product", "sku"),
            references=(_ACCOUNT_REF,),
            checks=(
                Check(
                    "month_first_day",
                    "month IS NOT NULL AND dayofmonth(month) <> 1",
                    "month is not the first day of a month",
                    ("month",),
                ),
            ),
        ),
        Contract(
            "agreements",
            "Licence agreements and what expires when.",
            "one row per agreement",
            "monthly",
            (
                Column("agreement_id", required=True, pattern=ID, example="AG00001234"),
                Column("account_id", required=True, pattern=ID, example="A0000001"),
                Column("license_program", required=True, allowed=programs, example="Open Value"),
                Column("end_date", "date", required=True, example="2027-03-31"),
                Column("expiring_revenue", "double", required=True, min=0, example="5400.00"),
                Column("product_division", example="Productivity"),
            ),
            key=("agreement_id",),
            references=(_ACCOUNT_REF,),
        ),
        Contract(
            "signals",
            "Crawled documents and events; resolved to an account by id or domain.",
            "account (or domain) x time",
            "continuous",
            (
                Column("signal_id", required=True, pattern=ID, example="S000000000001"),
                Column("account_id", pattern=ID, doc="When known", example="A0000001"),
                Column(
                    "domain",
                    pattern=DOMAIN,
                    doc="When the account is not known",
                    example="fabrikam.example",
                ),
                Column("signal_time", "timestamp", required=True, example="2026-09-14 08:30:00"),
                Column("signal_type", required=True, allowed=SIGNAL_TYPES, example="job_posting"),
                Column("topic", doc="Topic from the taxonomy", example="cloud_migration"),
                Column("source", doc="Crawler, connector or feed", example="crawler"),
                Column("url", example="https://fabrikam.example/careers/cloud-engineer"),
                Column(
                    "text", doc="Title or excerpt; shown escaped", example="Hiring a cloud engineer"
                ),
                Column("strength", "double", min=0, max=1, example="0.8"),
            ),
            key=("signal_id",),
            references=(_ACCOUNT_REF,),
            checks=(
                Check(
                    "account_or_domain",
                    "account_id IS NULL AND domain IS NULL",
                    "neither account_id nor domain is given",
                    ("account_id", "domain"),
                ),
            ),
            by_file=True,
        ),
        Contract(
            "opportunities",
            "Sales opportunities: the win/loss truth.",
            "one row per opportunity",
            "monthly",
            (
                Column("opportunity_id", required=True, pattern=ID, example="OP0000123"),
                Column("account_id", required=True, pattern=ID, example="A0000001"),
                Column("product", required=True, allowed=products, example=products[0]),
                Column("created_date", "date", required=True, example="2026-05-04"),
                Column("closed_date", "date", example="2026-08-19"),
                Column("outcome", required=True, allowed=OUTCOMES, example="won"),
                Column("amount", "double", min=0, example="12000.00"),
            ),
            key=("opportunity_id",),
            references=(_ACCOUNT_REF,),
            checks=(
                _dates_ordered("created_date", "closed_date"),
                Check(
                    "closed_needs_date",
                    "outcome IN ('won', 'lost') AND closed_date IS NULL",
                    "a won or lost opportunity needs closed_date",
                    ("outcome", "closed_date"),
                ),
            ),
        ),
    ]


def contract(cfg: Config, name: str) -> Contract:
    for c in contracts(cfg):
        if c.name == name:
            return c
    raise KeyError(name)
