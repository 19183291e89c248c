"""The published data itself: the pairing map is complete by the sources' own count, names follow
one convention, and the conventions the README promises hold."""

import csv
import itertools
import re
from collections import Counter

import pytest

COUNTY_LEVELS = {"county", "autonomous_county", "county_level_city", "district"}
# The 2010 plan: 82 county-level units in 12 prefecture-level units (as they existed in 2010)
COUNTIES_2010 = {
    "hotan-prefecture": 8, "kashgar-prefecture": 12, "aksu-prefecture": 9, "kizilsu-prefecture": 4,
    "altay-prefecture": 7, "ili-prefecture": 10, "changji-prefecture": 7, "bayingolin-prefecture": 9,
    "bortala-prefecture": 3, "tacheng-prefecture": 7, "turpan": 3, "hami": 3,
}
DIVISIONS_2010 = {f"xpcc-division-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14)}


def table(root, name):
    with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def data(root):
    names = ["places", "parties", "pairings", "sources", "meetings", "funding", "outcomes"]
    return {n: table(root, n) for n in names}


def nineteen(data):
    return {p["party_id"] for p in data["parties"] if p["parent_party_id"] == "assisting-provinces-19"}


def test_nineteen_assisting_parties_each_paired(data):
    parties = nineteen(data)
    assert len(parties) == 19
    paired = {p["assisting_party_id"] for p in data["pairings"] if p["program_id"] == "round-2010"}
    assert parties <= paired


def test_pairing_type_follows_its_convention(data):
    """Every 2010-round assignment of the nineteen is comprehensive; any other comprehensive pairing
    says in its notes that its source describes both kinds of support."""
    parties = nineteen(data)
    for p in data["pairings"]:
        of_nineteen = p["program_id"] == "round-2010" and p["assisting_party_id"] in parties
        if of_nineteen:
            assert p["pairing_type"] == "comprehensive", p["pairing_id"]
        elif p["pairing_type"] == "comprehensive":
            assert p["program_id"] == "round-2010", p["pairing_id"]
            assert "comprehensive" in p["notes"], p["pairing_id"]


def test_pairings_of_the_whole_program_began_before_2010(data):
    """A pairing recorded under the program as a whole (not one round) is one that began before
    the 2010 round and continues in it: no parent, and a start year before 2010 where one is given."""
    whole = [p for p in data["pairings"] if p["program_id"] == "pairing-assistance-xinjiang"]
    assert {p["pairing_id"] for p in whole} >= {"chenzhou-tuokexun-county", "wuxi-aheqi-county-2007"}
    for p in whole:
        assert not p["parent_pairing_id"], p["pairing_id"]
        assert not p["start_year"] or int(p["start_year"]) < 2010, p["pairing_id"]


# County-level units of 2010 for which no page read states the assisting party (recorded in the
# changelog): they have no pairing row rather than an inferred one. Manas was one until 0.9.0.
UNSTATED_2010: set[str] = set()


def test_each_2010_county_unit_paired_at_most_once_and_all_but_the_unstated(data):
    places = {p["place_id"]: p for p in data["places"]}
    parties = nineteen(data)
    recipients = Counter(
        p["recipient_place_id"] for p in data["pairings"]
        if p["program_id"] == "round-2010" and p["assisting_party_id"] in parties
        and places[p["recipient_place_id"]]["level"] in COUNTY_LEVELS
        and not places[p["recipient_place_id"]]["parent_place_id"].startswith("xpcc")  # XPCC cities came later
    )
    assert [r for r, n in recipients.items() if n > 1] == []
    assert not UNSTATED_2010 & set(recipients)
    assert sum(recipients.values()) == 82 - len(UNSTATED_2010)
    by_prefecture = Counter(places[r]["parent_place_id"] for r in [*recipients, *UNSTATED_2010])
    assert by_prefecture == COUNTIES_2010


def test_twelve_xpcc_divisions_in_2010(data):
    parties = nineteen(data)
    level = {p["place_id"]: p["level"] for p in data["places"]}
    divisions = {
        p["recipient_place_id"] for p in data["pairings"]
        if p["program_id"] == "round-2010" and p["assisting_party_id"] in parties
        and level[p["recipient_place_id"]] == "xpcc_division"
    }
    assert divisions == DIVISIONS_2010


def test_unknown_assisting_parties_stay_unknown(data):
    unknown = [p for p in data["pairings"] if not p["assisting_party_id"]]
    assert {p["recipient_place_id"] for p in unknown} == {"karamay", "xpcc-division-11"}
    assert all("not found" in p["notes"].lower() for p in unknown)


def test_child_pairings_sit_inside_their_parent(data):
    """A child pairing's party belongs to the parent's party (or is it), and its recipient lies
    within the parent's recipient (or is it)."""
    pairings = {p["pairing_id"]: p for p in data["pairings"]}
    party_parent = {p["party_id"]: p["parent_party_id"] for p in data["parties"]}
    place_parent = {p["place_id"]: p["parent_place_id"] for p in data["places"]}

    def chain(node, parents):
        while node:
            yield node
            node = parents.get(node)

    children = [p for p in pairings.values() if p["parent_pairing_id"]]
    assert children
    for child in children:
        parent = pairings[child["parent_pairing_id"]]
        assert parent["assisting_party_id"] in chain(child["assisting_party_id"], party_parent), child["pairing_id"]
        assert parent["recipient_place_id"] in chain(child["recipient_place_id"], place_parent), child["pairing_id"]


def test_twelfth_division_stated_pairings_of_different_scope(data):
    """Shanxi supports one regiment of the 12th Division (222nd) and Hunan another (221st, with
    Yiyang's city-level row), both in the 2010 round; Shandong the whole division (from 2015, with
    Dezhou's city-level row). All are stated by their sources; they cover different units, so no
    conflict."""
    rows = {p["assisting_party_id"]: p for p in data["pairings"]
            if p["recipient_place_id"].startswith("xpcc-division-12")}
    assert set(rows) == {"shanxi", "hunan", "yiyang", "shandong", "dezhou"}
    assert rows["shanxi"]["recipient_place_id"] == "xpcc-division-12-regiment-222"
    regiment = "xpcc-division-12-regiment-221"
    assert rows["hunan"]["recipient_place_id"] == rows["yiyang"]["recipient_place_id"] == regiment
    assert rows["yiyang"]["parent_pairing_id"] == rows["hunan"]["pairing_id"]
    assert rows["shandong"]["recipient_place_id"] == rows["dezhou"]["recipient_place_id"] == "xpcc-division-12"
    assert rows["dezhou"]["parent_pairing_id"] == rows["shandong"]["pairing_id"]
    assert all(p["basis"] == "stated" and not p["conflicts_with"] for p in rows.values())


def test_national_meetings_one_to_ten(data):
    numbers = sorted(int(m["meeting_number"]) for m in data["meetings"])
    assert numbers == list(range(1, 11))


def test_secondary_sources_say_why_they_are_cited(data):
    for s in data["sources"]:
        if s["reliability"] == "secondary":
            assert s["notes"], s["source_id"]


def test_former_codes_recorded_for_changed_places(data):
    former = {p["place_id"]: p["former_adcode"] for p in data["places"] if p["former_adcode"]}
    assert former["kuche-city"] == "652923"
    assert former["turpan"] == "652100" and former["hami"] == "652200"


def test_xpcc_divisions_linked_to_their_cities(data):
    cities = {
        p["parent_place_id"]: p["adcode"] for p in data["places"]
        if p["parent_place_id"].startswith("xpcc-division-") and p["level"] == "county_level_city"
    }
    assert cities["xpcc-division-14"] == "659009" and cities["xpcc-division-1"] == "659002"
    assert len(cities) == 12


# --- English names: one romanization convention (README, "Names and codes") -------------------

CONVENTIONAL = {"乌鲁木齐": "Urumqi", "克拉玛依": "Karamay", "吐鲁番": "Turpan", "哈密": "Hami", "昌吉": "Changji",
                "博尔塔拉": "Bortala", "巴音郭楞": "Bayingolin", "阿克苏": "Aksu", "克孜勒苏": "Kizilsu",
                "喀什": "Kashgar", "和田": "Hotan", "伊犁": "Ili", "塔城": "Tacheng", "阿勒泰": "Altay",
                "新疆": "Xinjiang"}
GENERIC = [("维吾尔自治区", "Uygur Autonomous Region"), ("自治州", "Autonomous Prefecture"),
           ("自治县", "Autonomous County"), ("地区", "Prefecture"), ("县", "County"), ("新区", "New Area"),
           ("区", "District"), ("镇", "Town"), ("乡", "Township"), ("市", "City"), ("省", "Province"),
           ("市", "Municipality")]
ETHNIC = {"哈萨克": "Kazakh", "蒙古": "Mongol", "回族": "Hui", "锡伯": "Xibe", "塔吉克": "Tajik",
          "柯尔克孜": "Kirghiz", "柯尔克孜族": "Kirghiz Ethnic"}


def readings(stem: str) -> set[str]:
    from pypinyin import Style, pinyin

    options = pinyin(stem, style=Style.NORMAL, heteronym=True)
    return {"".join(c).lower() for c in itertools.islice(itertools.product(*options), 5000)}


def test_english_names_follow_the_convention(data):
    bad = []
    for p in data["places"]:
        zh, en = p["name_zh"], p["name_en"]
        if p["level"] in ("xpcc", "xpcc_division", "xpcc_regiment"):
            continue  # translated names, not transliterations
        matched = False
        for suffix, word in GENERIC:
            if not zh.endswith(suffix) or not en.endswith(word):
                continue
            stem_zh, stem_en = zh[: -len(suffix)], en[: -len(word)].strip()
            for eth_zh, eth_en in ETHNIC.items():
                if stem_zh.endswith(eth_zh) and stem_en.endswith(eth_en):
                    stem_zh, stem_en = stem_zh[: -len(eth_zh)], stem_en[: -len(eth_en)].strip()
            if stem_zh in CONVENTIONAL:
                matched = stem_en == CONVENTIONAL[stem_zh]
            else:
                parts = [c for c in CONVENTIONAL if stem_zh.startswith(c)]
                if parts:  # a county named after its prefecture, e.g. 和田县 Hotan County
                    matched = stem_en.startswith(CONVENTIONAL[parts[0]])
                else:
                    matched = re.sub(r"[^a-z]", "", stem_en.lower()) in readings(stem_zh)
            if matched:
                break
        # prefecture-level cities go by their conventional name alone (Urumqi, Hami, ...)
        matched = matched or (p["level"] == "prefecture_level_city" and CONVENTIONAL.get(zh[:-1]) == en)
        if not matched:
            bad.append(f"{p['place_id']}: {zh} -> {en}")
    assert bad == []


# Traditional characters of place and party names, and the short forms sources use for them: a stated
# row's quote may name its party or place in any of these.
TRADITIONAL = str.maketrans(
    "區縣東遼蘇廣師團車葉澤達爾薩蘭烏齊興陽濟華龍門農設產寧魯億萬陰錫"
    "鹽鎮漢陝貴臺灣雲滬閩贛隴麥蓋溫庫圖鄯遜鐵關雙楊豐於鞏瑪納錦",
    "区县东辽苏广师团车叶泽达尔萨兰乌齐兴阳济华龙门农设产宁鲁亿万阴锡"
    "盐镇汉陕贵台湾云沪闽赣陇麦盖温库图鄯逊铁关双杨丰于巩玛纳锦",
)
SHORT_FORMS = {
    "assisting-provinces-19": ["19个", "19省市", "十九个", "19 provinces", "nineteen", "provinces and cities",
                               "provinces and municipalities", "援疆省市", "援疆省区市", "支援省市", "各省市"],
    "central-soes": ["央企", "中央企业", "central enterprises", "state-owned enterprises", "soes", "国有重要骨干企业"],
    "xinjiang": ["疆", "xinjiang"], "xpcc": ["兵团", "corps"],
    "bortala-prefecture": ["博州", "博尔塔拉"], "kizilsu-prefecture": ["克州"], "ili-prefecture": ["伊犁"],
    "changji-prefecture": ["昌吉州"],
}
DIGITS = "〇一二三四五六七八九"


def chinese(n: int) -> str:
    """How sources write a division or regiment number: 八 8, 十四 14, 八十六 86, and digit by digit
    from 100 (二二二 for 222)."""
    if n >= 100:
        return "".join(DIGITS[int(d)] for d in str(n))
    tens, ones = divmod(n, 10)
    return (DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGITS[ones] if ones else "")


# "our province", "our city": a provincial or city outlet speaking of itself
SELF = ("我省", "我市", "本市", "全省", "our province")


def forms(row: dict, key: str) -> set[str]:
    """The names a quote may use for a party or place row."""
    found = {row["name_zh"], row["name_en"], *(row.get("alt_names") or "").split("; "), *SHORT_FORMS.get(row[key], [])}
    found |= {row["name_zh"][: -len(s)] for s in ("维吾尔自治区", "自治州", "地区", "省", "市", "县", "州")
              if row["name_zh"].endswith(s) and len(row["name_zh"]) - len(s) >= 2}
    # an autonomous county without its people's name: 巴里坤哈萨克自治县 is 巴里坤县 (or 巴里坤)
    stem = re.fullmatch(r"(.{2,}?)(?:哈萨克|回族|塔吉克|锡伯|蒙古)自治县", row["name_zh"])
    if stem:
        found |= {stem[1], stem[1] + "县"}
    found |= {w for w in re.split(r"[ ,()'-]+", row["name_en"]) if len(w) > 3 and w[0].isupper()
              and w not in {"Province", "Municipality", "City", "County", "Prefecture", "Autonomous", "Region",
                            "Division", "Xinjiang", "Production", "Construction", "Corps", "Regiment"}}
    division = re.fullmatch(r"xpcc-division-(\d+)(?:-regiment-(\d+))?", row[key])
    if division:
        found |= {f"{chinese(int(division[1]))}师", f"{division[1]}th division"}
        if division[2]:
            found.add(f"{chinese(int(division[2]))}团")
    return {f.lower().translate(TRADITIONAL) for f in found if f}


NAMED_IN_NOTES = re.compile(r"\b(rows?|source) ([a-z0-9]+(?:-[a-z0-9]+)+)")
ID_LIKE = re.compile(r"(?<![\w./-])([a-z0-9]+(?:-[a-z0-9]+){2,})(?![\w/-])")  # three or more hyphenated parts
HYPHENATED_WORDS = {"cadre-and-talent", "five-year-plan", "one-to-one"}  # words of the notes, not ids
FORMER_SOURCES = {  # sources once cited and since replaced, named in notes as history
    "storesjp-2020-01-19-beijing-aid", "yicai-2010-04-20-pairing-funds-plan", "yuhaojiang-undated-fuzhou-qitai"}


def test_rows_and_sources_named_in_notes_exist(data, root):
    """A note that names a row or a source by its id names one that exists: "row <id>" a figure,
    pairing or meeting, "source <id>" a source, and any other id-like word (three or more
    hyphenated parts) a row of some table, unless it is a hyphenated word or a former source."""
    rows = {row[next(iter(row))] for name in ("funding", "outcomes", "pairings", "meetings") for row in data[name]}
    sources = {s["source_id"] for s in data["sources"]}
    tables = {**data, "programs": table(root, "programs"), "indicators": table(root, "indicators")}
    ids = {row[next(iter(row))] for rows_ in tables.values() for row in rows_}
    notes = [(name, row[next(iter(row))], row.get("notes") or "") for name, rows_ in tables.items() for row in rows_]
    named = [(name, key, kind, target) for name, key, text in notes for kind, target in NAMED_IN_NOTES.findall(text)]
    assert len(named) > 50  # the pattern still finds the notes' references
    assert [n for n in named if n[3] not in (sources if n[2] == "source" else rows)] == []
    id_like = [(name, key, word) for name, key, text in notes for word in ID_LIKE.findall(text)
               if re.search("[a-z]", word)]
    assert len(id_like) > 200
    assert [w for w in id_like if w[2] not in ids | HYPHENATED_WORDS | FORMER_SOURCES] == []
    assert FORMER_SOURCES.isdisjoint(ids)


def test_quotes_join_their_parts_with_three_points(data):
    """Parts of a quote that are not adjacent on the page are joined with " ... " (the README says
    so); an ellipsis character with a space beside it is such a join written another way. The
    pages' own ellipses (……) stand between characters, with no space."""
    joined = [(name, row[next(iter(row))]) for name in ("funding", "outcomes", "pairings", "meetings")
              for row in data[name] if re.search(r" …|… ", row["quote"])]
    assert joined == []


def test_stated_rows_quote_their_party_and_place(data):
    """basis = stated means every column is read in the quote: the quote names the row's party and
    place, in one of their names, in traditional characters or in a short form the sources use."""
    parties = {p["party_id"]: forms(p, "party_id") for p in data["parties"]}
    places = {p["place_id"]: forms(p, "place_id") for p in data["places"]}
    unnamed = []
    for name, party_col, place_col in (("funding", "funder_party_id", "recipient_place_id"),
                                       ("outcomes", "party_id", "place_id"),
                                       ("pairings", "assisting_party_id", "recipient_place_id")):
        for row in data[name]:
            if row["basis"] != "stated":
                continue
            quote = row["quote"].lower().translate(TRADITIONAL)
            if row[party_col] and not any(f in quote for f in parties[row[party_col]]) and not any(
                    s in row["quote"] for s in SELF):
                unnamed.append((name, next(iter(row.values())), "party", row[party_col]))
            if row[place_col] and not any(f in quote for f in places[row[place_col]]):
                unnamed.append((name, next(iter(row.values())), "place", row[place_col]))
    assert unnamed == []
