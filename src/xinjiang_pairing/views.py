"""Convenience views of the published DuckDB file. Each names the tables it needs, describes itself
and every one of its columns (``COMMENT ON VIEW`` and ``COMMENT ON COLUMN``), and is created only
when the tables it needs are all present.

The views use one set of names for the same thing: the assisting party is ``assisting_party_id``
(with ``assisting_party``, its English name, and ``assisting_party_zh``), the place that receives
the assistance or that a figure concerns is ``recipient_place_id`` (``recipient``, ``recipient_zh``),
whatever the column is called in the table (``funder_party_id`` in ``funding``, ``party_id`` and
``place_id`` in ``outcomes``). Each view's SQL stands alone (no view reads another), so the views
can be created in any order.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sql import ident, lit


@dataclass(frozen=True)
class View:
    name: str
    needs: tuple[str, ...]
    description: str
    sql: str
    columns: tuple[tuple[str, str], ...] = ()  # (column, comment), in the view's column order

    def statements(self) -> list[str]:
        """CREATE VIEW, then its comment and one comment per column."""
        out = [f"CREATE VIEW {ident(self.name)} AS {self.sql}",
               f"COMMENT ON VIEW {ident(self.name)} IS {lit(self.description)}"]
        out += [f"COMMENT ON COLUMN {ident(self.name)}.{ident(c)} IS {lit(text)}" for c, text in self.columns]
        return out


# Comments of the columns that several views share.
COMMON = {
    "program_id": "The program (foreign key to programs).",
    "assisting_party_id": "The assisting party (foreign key to parties); in funding this is funder_party_id, in "
                          "outcomes party_id. May be a collective or central party.",
    "assisting_party": "English name of the assisting party.",
    "assisting_party_zh": "Chinese name of the assisting party.",
    "assisting_province_id": "The province or municipality the assisting party belongs to (a party_id): the party "
                             "itself for a province or municipality; for a city (such as Shenzhen) or an "
                             "institution, the province it lies in (Guangdong). Empty for central and collective "
                             "parties.",
    "assisting_province": "English name of assisting_province_id.",
    "assisting_province_zh": "Chinese name of assisting_province_id.",
    "recipient_place_id": "The place that receives the assistance or that the figure concerns (foreign key to "
                          "places); in outcomes this is place_id.",
    "recipient": "English name of the recipient place.",
    "recipient_zh": "Chinese name of the recipient place.",
    "period_start_year": "First year the figure covers.",
    "period_end_year": "Last year the figure covers.",
    "as_of_date": "The date the figure refers to or was reported as current (usually the publication date of its "
                  "first report).",
    "published_date": "The earliest publication date among the sources that reported the figure (empty when no "
                      "source carries a date).",
    "as_reported": "The figure's own wording in its first source.",
    "basis": "stated: read directly in the source; derived: worked out by a curator (the notes say how).",
    "reported_by": "How many rows (sources) reported this figure: the first report plus every row whose same_as "
                   "points at it.",
    "source_ids": "Every source that reported the figure (the first report's and those of its same_as rows), "
                  "sorted.",
    "source_reliabilities": "The distinct reliabilities (primary, repost, secondary) of every source that reported "
                            "the figure, sorted.",
    "best_reliability": "The best reliability among every source that reported the figure: primary if any source "
                        "is primary, else repost, else secondary.",
    "has_primary_source": "True when at least one source that reported the figure is primary (the publisher's own "
                          "page): filter on this to keep primary figures.",
    "conflicts_with": "Another row that reports a different version of the same figure; both are kept.",
    "notes": "Curator's notes of the first report.",
}


def _columns(*names: str, **own: str) -> tuple[tuple[str, str], ...]:
    """(column, comment) for ``names``: a comment given in ``own``, else the shared one."""
    return tuple((n, own.get(n) or COMMON[n]) for n in names)


# The province or municipality each party belongs to: through its place (the top of the place
# hierarchy), else through its parent parties.
PROVINCE_OF_PARTY = """
    top_place(place_id, ancestor_id, depth) AS (
        SELECT place_id, place_id, 0 FROM places
        UNION ALL
        SELECT t.place_id, p.parent_place_id, t.depth + 1
        FROM top_place t JOIN places p ON p.place_id = t.ancestor_id
        WHERE p.parent_place_id IS NOT NULL
    ),
    up_party(party_id, ancestor_id, depth) AS (
        SELECT party_id, party_id, 0 FROM parties
        UNION ALL
        SELECT u.party_id, p.parent_party_id, u.depth + 1
        FROM up_party u JOIN parties p ON p.party_id = u.ancestor_id
        WHERE p.parent_party_id IS NOT NULL AND u.depth < 20
    ),
    provincial AS (
        SELECT party_id, place_id FROM parties WHERE party_type IN ('province', 'municipality')
    ),
    by_place AS (
        SELECT pa.party_id, min(pv.party_id) AS province_party_id
        FROM parties pa
        JOIN (SELECT place_id, arg_max(ancestor_id, depth) AS top_id FROM top_place GROUP BY place_id) t
          ON t.place_id = pa.place_id
        JOIN provincial pv ON pv.place_id = t.top_id
        GROUP BY pa.party_id
    ),
    by_party AS (
        SELECT u.party_id, arg_min(u.ancestor_id, u.depth) AS province_party_id
        FROM up_party u JOIN provincial pv ON pv.party_id = u.ancestor_id
        GROUP BY u.party_id
    ),
    party_province AS (
        SELECT pa.party_id, coalesce(bp.province_party_id, bu.province_party_id) AS province_party_id
        FROM parties pa
        LEFT JOIN by_place bp USING (party_id)
        LEFT JOIN by_party bu USING (party_id)
    )"""


def _reports(table: str, key: str) -> str:
    """Every report of each figure of ``table`` (the first row and the rows whose same_as points at it),
    folded: how many, which sources, their reliabilities and earliest publication date."""
    return f"""
    reports AS (
        SELECT coalesce(r.same_as, r.{key}) AS figure_id, r.source_id, s.reliability, s.published_date
        FROM {table} r JOIN sources s ON s.source_id = r.source_id
    ),
    folded AS (
        SELECT figure_id, count(*) AS reported_by, list_sort(list(source_id)) AS source_ids,
               list_sort(list(DISTINCT reliability)) AS source_reliabilities,
               CASE WHEN bool_or(reliability = 'primary') THEN 'primary'
                    WHEN bool_or(reliability = 'repost') THEN 'repost' ELSE 'secondary' END AS best_reliability,
               bool_or(reliability = 'primary') AS has_primary_source,
               min(published_date) AS published_date
        FROM reports GROUP BY figure_id
    )"""


FUNDING_SELECT = """
        SELECT f.funding_id, f.program_id, f.funder_party_id AS assisting_party_id, pa.name_en AS assisting_party,
               pa.name_zh AS assisting_party_zh, f.recipient_place_id, pl.name_en AS recipient,
               pl.name_zh AS recipient_zh, f.flow_type, f.scope, f.amount, f.currency, f.amount_qualifier,
               f.amount_usd_reported, f.period_start_year, f.period_end_year, f.as_of_date, r.published_date,
               f.as_reported, f.basis, r.reported_by, r.source_ids, r.source_reliabilities, r.best_reliability,
               r.has_primary_source, f.conflicts_with, f.notes
        FROM funding f
        JOIN folded r ON r.figure_id = f.funding_id
        LEFT JOIN parties pa ON pa.party_id = f.funder_party_id
        LEFT JOIN places pl ON pl.place_id = f.recipient_place_id
        WHERE f.same_as IS NULL"""

OUTCOME_SELECT = """
        SELECT o.outcome_id, o.program_id, o.indicator_id, i.name_en AS indicator, i.unit, o.value,
               o.value_qualifier, o.party_id AS assisting_party_id, pa.name_en AS assisting_party,
               pa.name_zh AS assisting_party_zh, o.place_id AS recipient_place_id, pl.name_en AS recipient,
               pl.name_zh AS recipient_zh, o.period_start_year, o.period_end_year, o.as_of_date, r.published_date,
               o.as_reported, o.basis, r.reported_by, r.source_ids, r.source_reliabilities, r.best_reliability,
               r.has_primary_source, o.conflicts_with, o.notes
        FROM outcomes o
        JOIN folded r ON r.figure_id = o.outcome_id
        JOIN indicators i USING (indicator_id)
        LEFT JOIN parties pa ON pa.party_id = o.party_id
        LEFT JOIN places pl ON pl.place_id = o.place_id
        WHERE o.same_as IS NULL"""

FOLDED = ("published_date", "as_reported", "basis", "reported_by", "source_ids", "source_reliabilities",
          "best_reliability", "has_primary_source", "conflicts_with", "notes")
PARTY_AND_PLACE = ("assisting_party_id", "assisting_party", "assisting_party_zh", "recipient_place_id", "recipient",
                   "recipient_zh")
# The columns every figure has, in all_figures.
FIGURE_COLUMNS = ("figure_type", "figure_id", "program_id", *PARTY_AND_PLACE, "measure", "measure_name", "scope",
                  "value", "unit", "qualifier", "period_start_year", "period_end_year", "as_of_date", *FOLDED)

VIEWS = [
    View(
        "pairings_named",
        ("pairings", "parties", "places", "programs", "sources"),
        "Pairings with the names of the assisting party, the province or municipality it belongs to (a city's "
        "pairing rolls up to its province: Shenzhen to Guangdong), the recipient and its parent place, the "
        "program, and the reliability of the source.",
        f"""
        WITH RECURSIVE {PROVINCE_OF_PARTY}
        SELECT p.pairing_id, p.program_id, pr.name_en AS program_name,
               p.assisting_party_id, pa.name_en AS assisting_party, pa.name_zh AS assisting_party_zh,
               pa.party_type AS assisting_party_type, pp.province_party_id AS assisting_province_id,
               pv.name_en AS assisting_province, pv.name_zh AS assisting_province_zh,
               p.recipient_place_id, pl.name_en AS recipient, pl.name_zh AS recipient_zh,
               pl.level AS recipient_level, pl.adcode AS recipient_adcode,
               pl.parent_place_id AS recipient_parent_place_id, up.name_en AS recipient_parent,
               p.start_year, p.end_year, p.pairing_type,
               p.parent_pairing_id, p.conflicts_with, p.basis, p.source_id, s.reliability,
               s.url AS source_url, p.notes
        FROM pairings p
        JOIN programs pr USING (program_id)
        LEFT JOIN parties pa ON pa.party_id = p.assisting_party_id
        LEFT JOIN party_province pp ON pp.party_id = p.assisting_party_id
        LEFT JOIN parties pv ON pv.party_id = pp.province_party_id
        JOIN places pl ON pl.place_id = p.recipient_place_id
        LEFT JOIN places up ON up.place_id = pl.parent_place_id
        JOIN sources s ON s.source_id = p.source_id
        """,
        _columns(
            "pairing_id", "program_id", "program_name", "assisting_party_id", "assisting_party",
            "assisting_party_zh", "assisting_party_type", "assisting_province_id", "assisting_province",
            "assisting_province_zh", "recipient_place_id", "recipient", "recipient_zh", "recipient_level",
            "recipient_adcode", "recipient_parent_place_id", "recipient_parent", "start_year", "end_year",
            "pairing_type", "parent_pairing_id", "conflicts_with", "basis", "source_id", "reliability",
            "source_url", "notes",
            pairing_id="The pairing (primary key of pairings).",
            program_name="English name of the program.",
            assisting_party_id="The assisting party (foreign key to parties); empty where the source names none.",
            assisting_party_type="Kind of assisting party: province, municipality, city, sub_provincial_city, ...",
            recipient_level="Level of the recipient place: prefecture, county, xpcc_division, ...",
            recipient_adcode="Official division code of the recipient place.",
            recipient_parent_place_id="The place the recipient belongs to (a prefecture, an XPCC division): "
                                      "filter on it to ask about a prefecture's counties.",
            recipient_parent="English name of the place the recipient belongs to.",
            start_year="First year of the pairing.",
            end_year="Last year of the pairing (empty: ongoing or not stated).",
            pairing_type="Kind of pairing, as in pairings.",
            parent_pairing_id="The province's pairing this city pairing sits inside.",
            conflicts_with="Another pairing row that names a different assisting party; both are kept.",
            source_id="The source of the pairing.",
            reliability="Reliability of the source: primary, repost or secondary.",
            source_url="URL of the source.",
            notes="Curator's notes.",
        ),
    ),
    View(
        "funding_figures",
        ("funding", "parties", "places", "sources"),
        "One row per distinct funding figure: rows that repeat an earlier report (same_as) are folded into it, "
        "with the number and list of sources that reported it and their reliabilities (has_primary_source is "
        "true when any of them is primary). Figures of different scopes and periods still overlap: do not sum "
        "them.",
        f"WITH {_reports('funding', 'funding_id')}{FUNDING_SELECT}",
        _columns(
            "funding_id", "program_id", *PARTY_AND_PLACE, "flow_type", "scope", "amount", "currency",
            "amount_qualifier", "amount_usd_reported", "period_start_year", "period_end_year", "as_of_date", *FOLDED,
            funding_id="The figure: the funding row of its first report.",
            flow_type="What kind of money: aid_funds, aid_funds_planned, economic_cooperation, ...",
            scope="What the figure covers: program_total, party_total, pairing, project, ...",
            amount="Amount in full units of the currency, exact (DECIMAL), as reported.",
            currency="ISO 4217 currency code of amount.",
            amount_qualifier="How the source qualifies the amount: exact, about, more_than, ...",
            amount_usd_reported="The source's own US dollar conversion, if it gave one (exact, DECIMAL).",
        ),
    ),
    View(
        "outcome_figures",
        ("outcomes", "indicators", "parties", "places", "sources"),
        "One row per distinct outcome figure, folded like funding_figures, with the indicator's name and unit "
        "and every reporting source's reliability. Do not sum values of different scopes or periods.",
        f"WITH {_reports('outcomes', 'outcome_id')}{OUTCOME_SELECT}",
        _columns(
            "outcome_id", "program_id", "indicator_id", "indicator", "unit", "value", "value_qualifier",
            *PARTY_AND_PLACE, "period_start_year", "period_end_year", "as_of_date", *FOLDED,
            outcome_id="The figure: the outcomes row of its first report.",
            indicator_id="What is counted (foreign key to indicators).",
            indicator="English name of the indicator.",
            unit="Unit of the value.",
            value="The reported value in the indicator's unit.",
            value_qualifier="How the source qualifies the value: exact, about, more_than, ...",
            assisting_party_id="The assisting party the outcome is credited to, where the source says (outcomes."
                               "party_id).",
            recipient_place_id="The place the outcome concerns (outcomes.place_id).",
        ),
    ),
    View(
        "all_figures",
        ("funding", "outcomes", "indicators", "parties", "places", "sources"),
        "Every distinct figure, funding and outcome alike, with the columns they share: one query for "
        "'all figures after 2020'. Dates: as_of_date is the date the figure refers to or was reported as current, "
        "published_date the earliest publication date of a source that reported it, and period_start_year to "
        "period_end_year the years the figure covers. Never sum values: they overlap and have different units.",
        f"""
        SELECT 'funding' AS figure_type, funding_id AS figure_id, program_id, {', '.join(PARTY_AND_PLACE)},
               flow_type AS measure, flow_type AS measure_name, scope,
               CAST(amount AS DECIMAL(38, 4)) AS value, currency AS unit, amount_qualifier AS qualifier,
               period_start_year, period_end_year, as_of_date, {', '.join(FOLDED)}
        FROM (WITH {_reports('funding', 'funding_id')}{FUNDING_SELECT})
        UNION ALL
        SELECT 'outcome', outcome_id, program_id, {', '.join(PARTY_AND_PLACE)}, indicator_id, indicator, NULL,
               CAST(value AS DECIMAL(38, 4)), unit, value_qualifier, period_start_year, period_end_year,
               as_of_date, {', '.join(FOLDED)}
        FROM (WITH {_reports('outcomes', 'outcome_id')}{OUTCOME_SELECT})
        """,
        _columns(
            *FIGURE_COLUMNS,
            figure_type="funding or outcome: the table the figure comes from.",
            figure_id="funding_id or outcome_id of the figure's first report.",
            measure="What the figure measures: the flow_type of a funding figure, the indicator_id of an outcome.",
            measure_name="flow_type, or the indicator's English name.",
            scope="What a funding figure covers (program_total, party_total, pairing, project, ...); empty for "
                  "outcomes.",
            value="The amount or value as reported (exact, DECIMAL(38, 4)).",
            unit="The currency of an amount, or the indicator's unit.",
            qualifier="How the source qualifies the figure: exact, about, more_than, ...",
        ),
    ),
    View(
        "conflicts",
        ("funding", "outcomes", "pairings", "indicators", "parties", "sources"),
        "Rows whose sources disagree, side by side: each row marked conflicts_with next to the row it "
        "disagrees with (a different dollar conversion, another share, another assisting party). "
        "Both versions are kept in their tables; this view only lines them up.",
        """
        SELECT 'funding' AS table_name, a.funding_id AS row_id, a.flow_type AS what,
               a.as_reported, CAST(a.amount AS DOUBLE) AS value, a.currency AS unit,
               a.amount_usd_reported AS usd_reported, a.source_id, sa.reliability,
               b.funding_id AS other_row_id, b.as_reported AS other_as_reported,
               CAST(b.amount AS DOUBLE) AS other_value,
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
        _columns(
            "table_name", "row_id", "what", "as_reported", "value", "unit", "usd_reported", "source_id",
            "reliability", "other_row_id", "other_as_reported", "other_value", "other_usd_reported",
            "other_source_id", "other_reliability", "notes",
            table_name="The table of the two rows: funding, outcomes or pairings.",
            row_id="The row marked conflicts_with.",
            what="What the rows report: the flow type, the indicator, or whose pairing.",
            as_reported="The row's own wording (for pairings: the assisting party and the wording).",
            value="The row's amount or value (a number for comparison; the exact amount is in funding).",
            unit="Currency or indicator unit.",
            usd_reported="The row's reported dollar conversion, if any.",
            source_id="The row's source.",
            reliability="Reliability of the row's source.",
            other_row_id="The row it conflicts with.",
            other_as_reported="The other row's wording.",
            other_value="The other row's amount or value.",
            other_usd_reported="The other row's reported dollar conversion, if any.",
            other_source_id="The other row's source.",
            other_reliability="Reliability of the other row's source.",
            notes="Curator's notes of the row.",
        ),
    ),
]
