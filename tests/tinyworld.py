"""Small hand-written worlds shared by tests."""

from __future__ import annotations

# A tiny, fully valid world, one CSV text per source.
CLEAN: dict[str, str] = {
    "partners": "partner_id,partner_name\nP1,Alpha IT\nP2,Beta Systems\n",
    "locations": (
        "location_id,partner_id,location_name,country\n"
        "P1-L1,P1,Alpha Lyon,FR\nP1-L2,P1,Alpha Paris,FR\nP2-L1,P2,Beta Austin,US\n"
    ),
    "accounts": (
        "account_id,duns,account_name,domain,employees,industry,country,is_non_profit,"
        "partner_id,location_id,revenue\n"
        "A1,100000001,Acme,acme.example,320,Manufacturing,FR,false,P1,P1-L1,52000000\n"
        "A2,100000002,Bolt,bolt.example,40,Retail,FR,no,P1,P1-L2,3100000\n"
        "A3,100000003,Crux,crux.example,8,Retail,US,true,P2,P2-L1,\n"
        "A4,100000004,Dyno,dyno.example,150,Finance,US,0,P2,,900000\n"
    ),
    "install_base": (
        "account_id,technology,version,licence_count,first_seen,last_seen\n"
        "A1,Windows Server,2012 R2,12,2019-01-01,2026-10-01\n"
    ),
    "subscriptions": (
        "account_id,product,sku,seats,start_date,end_date,status\n"
        "A1,M365,E3,300,2024-07-01,2027-06-30,active\n"
    ),
    "transactions": (
        "account_id,month,product,sku,quantity,revenue\n"
        "A1,2026-09-01,M365,E3,300,10800\nA1,2026-10-01,Azure,Consumption,1,2500.5\n"
    ),
    "agreements": (
        "agreement_id,account_id,license_program,end_date,expiring_revenue,product_division\n"
        "AG1,A1,EA,2027-06-30,50000,Productivity\nAG2,A2,Open,2026-12-31,4000,Productivity\n"
    ),
    "signals": (
        "signal_id,account_id,domain,signal_time,signal_type,topic,source,url,text,strength\n"
        "S1,A1,,2026-10-03 09:00:00,job_posting,cloud_migration,crawler,"
        "https://acme.example/careers/1,Cloud engineer,0.8\n"
        "S2,,bolt.example,2026-10-05T10:00:00Z,news,crm,feed,,Bolt picks a CRM,\n"
    ),
    "opportunities": (
        "opportunity_id,account_id,product,created_date,closed_date,outcome,amount\n"
        "O1,A1,Azure,2026-05-01,2026-07-15,won,30000\nO2,A2,M365,2026-09-01,,open,\n"
    ),
}
