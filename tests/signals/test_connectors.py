from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from fitintent.crawl import import_feed
from fitintent.signals._resolve import AccountIndex, AccountRef
from fitintent.signals._topics import Taxonomy, TopicTagger

INDEX = AccountIndex(
    [
        AccountRef("A1", "Fabrikam Ltd", "fabrikam.example", "Leeds", "GB"),
        AccountRef("A2", "Contoso", "contoso.example", "Berlin", "DE"),
    ]
)


def test_social_jsonl_and_intent_csv_map_onto_signals(tmp_path: Path) -> None:
    social = tmp_path / "social.jsonl"
    social.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "created_at": "2026-09-02T10:00:00Z",
                    "company": "Fabrikam",
                    "country": "GB",
                    "text": "Day one of our move to Azure",
                    "url": "https://social.example/p/1",
                },
                {
                    "created_at": "2026-09-03",
                    "website": "https://www.contoso.example",
                    "text": '=HYPERLINK("http://x") our new intranet is live',
                },
                {"created_at": "2026-09-04", "company": "Tailspin", "text": "hello"},
            ]
        )
    )
    tagger = TopicTagger(Taxonomy.load())
    rep = import_feed(social, "social", INDEX, tmp_path / "o.parquet", tmp_path / "u.jsonl", tagger)
    assert (rep.rows_in, rep.written, rep.unresolved) == (3, 2, 1)
    rows = pq.read_table(rep.output).to_pylist()
    assert [r["account_id"] for r in rows] == ["A1", "A2"]
    assert [r["topic"] for r in rows] == ["cloud_migration", "collaboration"]
    assert {r["signal_type"] for r in rows} == {"social_post"}
    assert rows[1]["text"].startswith("=HYPERLINK")  # kept verbatim as data
    unresolved = [json.loads(x) for x in rep.unresolved_output.read_text().splitlines()]
    assert "Tailspin" in unresolved[0]["reason"]

    intent = tmp_path / "intent.csv"
    intent.write_text("domain,topic,score,date\nfabrikam.example,crm,87,2026-09-10\n")
    rep = import_feed(
        intent, "intent", INDEX, tmp_path / "i.parquet", tmp_path / "iu.jsonl", tagger
    )
    (row,) = pq.read_table(rep.output).to_pylist()
    assert (row["topic"], row["strength"], row["account_id"]) == ("crm", 0.87, "A1")
    assert row["signal_type"] == "intent_topic"

    firmo = tmp_path / "firmo.csv"
    firmo.write_text("company,country,event,date\nContoso,DE,acquisition,2026-08-01\n")
    rep = import_feed(
        firmo, "firmographic", INDEX, tmp_path / "f.parquet", tmp_path / "fu.jsonl", tagger
    )
    (row,) = pq.read_table(rep.output).to_pylist()
    assert (row["signal_type"], row["account_id"]) == ("merger", "A2")
