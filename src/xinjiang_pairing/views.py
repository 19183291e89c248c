"""Convenience views of the published DuckDB file. Each names the tables it needs and is created
only when they are all present."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    name: str
    needs: tuple[str, ...]
    description: str
    sql: str


VIEWS = [
    View(
        "pairings_named",
        ("pairings", "parties", "places", "programs", "sources"),
        "Pairings with the names of the assisting party, the recipient and its parent place, the "
        "program, and the reliability of the source.",
        """
        SELECT p.pairing_id, p.program_id, pr.name_en AS program_name,
               p.assisting_party_id, pa.name_en AS assisting_party, pa.name_zh AS assisting_party_zh,
               p.recipient_place_id, pl.name_en AS recipient, pl.name_zh AS recipient_zh,
               pl.level AS recipient_level, pl.adcode AS recipient_adcode,
               up.name_en AS recipient_parent, p.start_year, p.end_year, p.pairing_type,
               p.parent_pairing_id, p.conflicts_with, p.basis, p.source_id, s.reliability,
               s.url AS source_url, p.notes
        FROM pairings p
        JOIN programs pr USING (program_id)
        LEFT JOIN parties pa ON pa.party_id = p.assisting_party_id
        JOIN places pl ON pl.place_id = p.recipient_place_id
        LEFT JOIN places up ON up.place_id = pl.parent_place_id
        JOIN sources s ON s.source_id = p.source_id
        """,
    ),
    View(
        "funding_figures",
        ("funding", "parties", "places", "sources"),
        "One row per distinct funding figure: rows that repeat an earlier report (same_as) are "
        "folded into it, with the number and list of sources that reported it. Figures of "
        "different scopes and periods still overlap: do not sum them.",
        """
        SELECT f.funding_id, f.program_id, f.funder_party_id, pa.name_en AS funder,
               f.recipient_place_id, pl.name_en AS recipient, f.flow_type, f.scope, f.amount,
               f.currency, f.amount_qualifier, f.amount_usd_reported, f.period_start_year,
               f.period_end_year, f.as_of_date, f.as_reported, f.basis,
               1 + (SELECT count(*) FROM funding r WHERE r.same_as = f.funding_id) AS reported_by,
               list_sort([f.source_id] || coalesce((SELECT list(r.source_id) FROM funding r
                                    WHERE r.same_as = f.funding_id), [])) AS source_ids,
               s.reliability AS first_source_reliability, f.conflicts_with, f.notes
        FROM funding f
        LEFT JOIN parties pa ON pa.party_id = f.funder_party_id
        LEFT JOIN places pl ON pl.place_id = f.recipient_place_id
        JOIN sources s ON s.source_id = f.source_id
        WHERE f.same_as IS NULL
        """,
    ),
    View(
        "outcome_figures",
        ("outcomes", "indicators", "parties", "places", "sources"),
        "One row per distinct outcome figure, folded like funding_figures, with the indicator's "
        "name and unit. Do not sum values of different scopes or periods.",
        """
        SELECT o.outcome_id, o.program_id, o.indicator_id, i.name_en AS indicator, i.unit,
               o.value, o.value_qualifier, o.party_id, pa.name_en AS party, o.place_id,
               pl.name_en AS place, o.period_start_year, o.period_end_year, o.as_of_date,
               o.as_reported, o.basis,
               1 + (SELECT count(*) FROM outcomes r WHERE r.same_as = o.outcome_id) AS reported_by,
               list_sort([o.source_id] || coalesce((SELECT list(r.source_id) FROM outcomes r
                                    WHERE r.same_as = o.outcome_id), [])) AS source_ids,
               s.reliability AS first_source_reliability, o.conflicts_with, o.notes
        FROM outcomes o
        JOIN indicators i USING (indicator_id)
        LEFT JOIN parties pa ON pa.party_id = o.party_id
        LEFT JOIN places pl ON pl.place_id = o.place_id
        JOIN sources s ON s.source_id = o.source_id
        WHERE o.same_as IS NULL
        """,
    ),
    View(
        "conflicts",
        ("funding", "outcomes", "pairings", "indicators", "parties", "sources"),
        "Rows whose sources disagree, side by side: each row marked conflicts_with next to the row it "
        "disagrees with (a different dollar conversion, another share, another assisting party). "
        "Both versions are kept in their tables; this view only lines them up.",
        """
        SELECT 'funding' AS table_name, a.funding_id AS row_id, a.flow_type AS what,
               a.as_reported, a.amount AS value, a.currency AS unit, a.amount_usd_reported AS usd_reported,
               a.source_id, sa.reliability,
               b.funding_id AS other_row_id, b.as_reported AS other_as_reported, b.amount AS other_value,
               b.amount_usd_reported AS other_usd_reported, b.source_id AS other_source_id,
               sb.reliability AS other_reliability, a.notes
        FROM funding a JOIN funding b ON b.funding_id = a.conflicts_with
        JOIN sources sa ON sa.source_id = a.source_id JOIN sources sb ON sb.source_id = b.source_id
        UNION ALL
        SELECT 'outcomes', a.outcome_id, a.indicator_id, a.as_reported, a.value, i.unit, NULL,
               a.source_id, sa.reliability, b.outcome_id, b.as_reported, b.value, NULL, b.source_id,
               sb.reliability, a.notes
        FROM outcomes a JOIN outcomes b ON b.outcome_id = a.conflicts_with
        JOIN indicators i ON i.indicator_id = a.indicator_id
        JOIN sources sa ON sa.source_id = a.source_id JOIN sources sb ON sb.source_id = b.source_id
        UNION ALL
        SELECT 'pairings', a.pairing_id, 'assisting party of ' || a.recipient_place_id,
               coalesce(pa.name_en, 'unknown') || ': ' || coalesce(a.as_reported, ''), NULL, NULL, NULL,
               a.source_id, sa.reliability, b.pairing_id,
               coalesce(pb.name_en, 'unknown') || ': ' || coalesce(b.as_reported, ''), NULL, NULL,
               b.source_id, sb.reliability, a.notes
        FROM pairings a JOIN pairings b ON b.pairing_id = a.conflicts_with
        LEFT JOIN parties pa ON pa.party_id = a.assisting_party_id
        LEFT JOIN parties pb ON pb.party_id = b.assisting_party_id
        JOIN sources sa ON sa.source_id = a.source_id JOIN sources sb ON sb.source_id = b.source_id
        """,
    ),
]
