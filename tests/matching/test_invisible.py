"""Issue 8, item 8: names crafted with bidi overrides or invisible characters still alert, the
record is flagged in ``data_quality``; homoglyph and maths-alphabet names keep alerting."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from compliance.lists import parse_files
from compliance.matching.engine import Matcher, query_names
from compliance.model import EntityType, ListEntry, Owner, Party
from compliance.normalize import invisible_characters, normalize_name, strip_invisible, visual_form
from compliance.normalize.confusables import latin_skeleton, spoofed_words
from compliance.records import DataCentre
from compliance.screening import ScreeningContext, data_quality
from tests.contract import screen_data_centre, screen_party

DEMO = Path(__file__).resolve().parents[2] / "compliance" / "data" / "demo_list.csv"
HUAWEI = "Huawei Technologies Co., Ltd."
# Stored backwards after U+202E RIGHT-TO-LEFT OVERRIDE: displays as "Huawei Technologies Co., Ltd."
RLO_HUAWEI = "\u202e" + HUAWEI[::-1]


def _flags(result: dict[str, Any]) -> list[dict[str, str]]:
    """The text-field flags of a result's data_quality (not the missing-field items)."""
    return [q for q in result["data_quality"] if not q["code"].startswith("missing_")]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    _, demo = parse_files([DEMO], "csl")
    name = "Sof\u00adtech Elec\u200btronics Zavod"
    extra = [ListEntry("s1", name, EntityType.ORGANIZATION, "SDN")]
    return Matcher.build([("demo", demo.entries), ("extra", extra)])


@pytest.fixture(scope="module")
def ctx(matcher: Matcher) -> ScreeningContext:
    return ScreeningContext(matcher, {"demo": "sha256:demo"}, date(2026, 11, 27))


def _top(matcher: Matcher, name: str) -> str | None:
    found = matcher.match(Party("q", name))
    return found[0].entry_name if found else None


# ------------------------------------------------------------------------ normalization
def test_every_format_character_is_stripped() -> None:
    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(cf) > 150
    assert strip_invisible("a" + "".join(cf) + "b") == "ab"
    named = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    for ch in named + "\ufeff\u00ad\u2060\u3164":
        assert normalize_name(f"Hua{ch}wei") == normalize_name("Huawei"), hex(ord(ch))


def test_a_bom_does_not_make_a_name_arabic() -> None:
    # U+FEFF sits in the Arabic presentation-forms block the abjad check looks at.
    assert normalize_name("\ufeffHuawei") == normalize_name("Huawei")


def test_invisible_characters_are_listed_once_in_order() -> None:
    assert invisible_characters("Hua\u200bwei\u00ad\u200b") == ("\u200b", "\u00ad")
    assert invisible_characters("Huawei") == ()
    assert invisible_characters("Газпром") == ()


def test_visual_form_applies_overrides() -> None:
    assert visual_form(RLO_HUAWEI) == HUAWEI
    # Up to the PDF, not beyond; brackets mirrored in the reversed run.
    assert visual_form("Huawei \u202eseigolonhceT\u202c Co") == "Huawei Technologies Co"
    assert visual_form("\u202e(iewauH)") == "(Huawei)"
    # LRO inside RLO keeps its own order as one block; a paragraph end closes the override.
    assert visual_form("x\u202ecb\u202dDEF\u202ca\u202cy") == "xaDEFbcy"
    assert visual_form("\u202ecba\nxyz") == "abc\nxyz"
    # An isolate closes the overrides opened in it.
    assert visual_form("\u2067\u202ecba\u2069xyz") == "abcxyz"
    # Nothing to show differently: None (invisible characters alone, plain text, no override).
    for text in ("Huawei", "Hua\u200bwei", "\u2067Huawei\u2069", "Газпром"):
        assert visual_form(text) is None


def test_visual_form_survives_deep_nesting() -> None:
    assert visual_form("\u202e" * 100_000 + "iewauH") == "Huawei"
    assert visual_form("\u2067" * 100 + "\u202eiewauH" + "\u2069" * 100) == "Huawei"
    # Beyond the algorithm's depth limit an override has no effect: it displays as stored.
    assert visual_form("\u2067" * 50_000 + "\u202eiewauH" + "\u2069" * 50_000) is None


def test_query_names_add_the_displayed_form() -> None:
    party = Party("q", RLO_HUAWEI, aliases=("Plain Name", "Hua\u200bwei"))
    assert query_names(party) == [RLO_HUAWEI, HUAWEI, "Plain Name", "Hua\u200bwei"]


# ---------------------------------------------------------------------------- matching
@pytest.mark.parametrize(
    "query",
    [
        RLO_HUAWEI,
        "\u202eiewauH\u202c \u202eseigolonhceT\u202c Co., Ltd.",  # word by word
        "Huawei \u202eseigolonhceT\u202c Co., Ltd.",
        "Hua\u200bwei Technologies Co., Ltd.",
        "Hua\u200bwei",
        "Hua\u00adwei Tech\u2060nologies",
        "\ufeffHua\u200dwei Technologies",
    ],
)
def test_crafted_huawei_alerts(matcher: Matcher, query: str) -> None:
    assert _top(matcher, query) == HUAWEI


@pytest.mark.parametrize(
    "query",
    [
        "Нuаwеі Technologies Co., Ltd.",  # Cyrillic Н, а, е, і
        "Ηuawei Τechnologies",  # Greek Eta and Tau
        "𝐇𝐮𝐚𝐰𝐞𝐢 𝐓𝐞𝐜𝐡𝐧𝐨𝐥𝐨𝐠𝐢𝐞𝐬 𝐂𝐨., 𝐋𝐭𝐝.",  # mathematical bold
        "𝕳𝖚𝖆𝖜𝖊𝖎 Technologies",  # mathematical fraktur
        "Ｈｕａｗｅｉ Technologies",  # fullwidth
    ],
)
def test_homoglyph_and_maths_alphabet_names_still_alert(matcher: Matcher, query: str) -> None:
    assert _top(matcher, query) == HUAWEI


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        ("Hua\u200bwei", "Huawei"),
        ("Hua\u00adwei Tech\u2060nologies", "Huawei Technologies"),
        ("\ufeffHua\u200dwei Technologies", "Huawei Technologies"),
    ],
)
def test_invisible_characters_do_not_lower_the_score(
    matcher: Matcher, query: str, plain: str
) -> None:
    crafted = matcher.match(Party("q", query))
    assert crafted and crafted[0].score == matcher.match(Party("q", plain))[0].score


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        ("Нuаwеі", "Huawei"),  # one word mixing Cyrillic look-alikes with Latin u, w
        ("Ηuawei", "Huawei"),  # Greek Eta
        ("Ѕugon", "Sugon"),  # Cyrillic Dze
        ("Sugоn", "Sugon"),  # Cyrillic o
    ],
)
def test_mixed_script_lookalikes_score_as_the_latin_name(
    matcher: Matcher, query: str, plain: str
) -> None:
    # Before: "Нuаwеі" transliterated to "nuawei" and cleared; "Ѕugon" scored 0.80.
    assert normalize_name(query) == normalize_name(plain)
    crafted = matcher.match(Party("q", query))
    assert crafted and crafted[0].score == matcher.match(Party("q", plain))[0].score


def test_words_in_one_script_are_still_transliterated() -> None:
    assert normalize_name("Газпром нефть").text == "gazprom neft"
    # A Cyrillic word with a stray Latin "o" keeps its Cyrillic reading.
    assert normalize_name("Газпрoм").text == "gazprom"
    assert normalize_name("Рома").text == "roma"


def test_invisible_characters_in_a_listed_name_are_stripped_at_index_time(
    matcher: Matcher,
) -> None:
    (match,) = matcher.match(Party("q", "Softech Electronics Zavod"))
    assert match.entry_name == "Sof\u00adtech Elec\u200btronics Zavod"
    assert match.score == 1.0


# ---------------------------------------------------------------------------- screening
def test_rlo_huawei_alerts_and_is_flagged(ctx: ScreeningContext) -> None:
    result = screen_party(Party("c-1", RLO_HUAWEI, entity_type=EntityType.ORGANIZATION), ctx)
    assert result["decision"] != "clear"
    assert result["matches"][0]["entry_name"] == HUAWEI
    assert result["matches"][0]["query_name"] == HUAWEI
    (flag,) = _flags(result)
    assert flag["code"] == "bidi_override" and flag["field"] == "name"
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in flag["detail"]
    assert f'displays as "{HUAWEI}"' in flag["detail"]


def test_zero_width_characters_are_flagged_per_field(ctx: ScreeningContext) -> None:
    party = Party(
        "c-2",
        "Acme Widgets",
        aliases=("Hua\u200bwei",),
        owners=(Owner("Some\u00adone", 30.0, "US"),),
    )
    result = screen_party(party, ctx)
    assert result["decision"] != "clear"
    assert _flags(result) == [
        {
            "code": "invisible_characters",
            "field": "aliases[0]",
            "detail": "U+200B ZERO WIDTH SPACE (removed before matching)",
        },
        {
            "code": "invisible_characters",
            "field": "owners[0].name",
            "detail": "U+00AD SOFT HYPHEN (removed before matching)",
        },
    ]


def test_both_kinds_in_one_field(ctx: ScreeningContext) -> None:
    result = screen_party(Party("c-3", "\u2067Acme\u2069 Wid\u200bgets"), ctx)
    assert [(f["code"], f["field"]) for f in _flags(result)] == [
        ("bidi_override", "name"),
        ("invisible_characters", "name"),
    ]
    assert result["decision"] == "clear"  # the flag never raises the decision by itself


def test_clean_records_have_an_empty_data_quality(ctx: ScreeningContext) -> None:
    assert _flags(screen_party(Party("c-4", "Acme Widgets"), ctx)) == []
    assert _flags(screen_party(Party("c-5", "Газпром нефть", ("華為",)), ctx)) == []
    dc = DataCentre("dc-1", "Frankfurt 1", operator_name="Acme Hosting", country="DE")
    assert _flags(screen_data_centre(dc, ctx)) == []


def test_data_centre_operator_with_rlo_alerts_and_is_flagged(ctx: ScreeningContext) -> None:
    dc = DataCentre("dc-2", "Frankfurt 1", operator_name=RLO_HUAWEI, city="Frank\u200bfurt")
    result = screen_data_centre(dc, ctx)
    assert result["decision"] != "clear"
    assert any(m["entry_name"] == HUAWEI for m in result["matches"])
    assert [(f["code"], f["field"]) for f in _flags(result)] == [
        ("bidi_override", "operator_name"),
        ("invisible_characters", "city"),
    ]


# ------------------------------------- look-alike letters from other scripts (TR39 data)
# Second round: Cherokee, Lisu and Coptic letters that look like Latin ones were not folded
# (only a hand table of Cyrillic and Greek ones was), so these screened clear, unflagged.
SPOOFS = [
    ("ᎻUᎪWEI TECHNOLOGIES CO., LTD.", HUAWEI, "CHEROKEE", "LATIN"),  # Cherokee Ꮋ, Ꭺ
    ("ꓧꓴꓮꓪꓰꓲ TECHNOLOGIES CO., LTD.", HUAWEI, "LISU"),  # a word wholly in Lisu
    ("ᏃTᎬ CORPORATION", "ZTE Corporation", "CHEROKEE", "LATIN"),  # Cherokee Ꮓ, Ꭼ
    ("ⲎUⲀWⲈI TECHNOLOGIES CO., LTD.", HUAWEI, "COPTIC", "LATIN"),  # Coptic Ⲏ, Ⲁ, Ⲉ
    ("САТ Holdings", "CAT Holdings", "CYRILLIC"),  # a Cyrillic word in a Latin name
]


@pytest.fixture(scope="module")
def spoof_ctx() -> ScreeningContext:
    _, demo = parse_files([DEMO], "csl")
    extra = [
        ListEntry("z1", "ZTE Corporation", EntityType.ORGANIZATION, "EL"),
        ListEntry("c1", "CAT Holdings", EntityType.ORGANIZATION, "SDN"),
        ListEntry("k1", "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", EntityType.ORGANIZATION, "SDN"),
        ListEntry("k2", "Ⲙⲁⲣⲕⲟⲥ Ⲡⲁⲡⲁⲥ", EntityType.PERSON, "SDN"),
    ]
    matcher = Matcher.build([("demo", demo.entries), ("extra", extra)])
    return ScreeningContext(matcher, {"demo": "sha256:demo"}, date(2026, 11, 27))


@pytest.mark.parametrize(("query", "listed", "scripts"), [(s[0], s[1], s[2:]) for s in SPOOFS])
def test_lookalikes_from_any_script_alert_and_are_flagged(
    spoof_ctx: ScreeningContext, query: str, listed: str, scripts: tuple[str, ...]
) -> None:
    assert latin_skeleton(query) is not None and latin_skeleton(query).isascii()
    result = screen_party(Party("c", query, entity_type=EntityType.ORGANIZATION), spoof_ctx)
    assert result["decision"] != "clear"
    top = result["matches"][0]
    assert top["entry_name"] == listed and top["score"] == 1.0
    (flag,) = _flags(result)
    assert flag["code"] == "mixed_script" and flag["field"] == "name"
    for name in scripts:
        assert name.title() in flag["detail"]


def test_skeletons_use_the_tr39_letters() -> None:
    assert latin_skeleton("ᎻUᎪWEI Technologies") == "HUAWEI Technologies"
    # TR39 gives capital I's glyph as "l"; in a word of capitals it reads as I.
    assert latin_skeleton("ꓧꓴꓮꓪꓰꓲ TECHNOLOGIES") == "HUAWEI TECHNOLOGIES"
    # Coptic Ⲁ and Ⲉ have no TR39 Latin look-alike: inside a spoofed word they are
    # transliterated.
    assert latin_skeleton("ⲎUⲀWⲈI") == "HUAWEI"
    (word,) = spoofed_words("Acme ᏃTᎬ")
    assert (word.word, word.scripts, word.folded) == ("ᏃTᎬ", ("CHEROKEE", "LATIN"), "ZTE")


@pytest.mark.parametrize(
    "name",
    [
        "Газпром нефть",  # Cyrillic words, a Cyrillic name
        "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ",  # Cherokee
        "Ⲙⲁⲣⲕⲟⲥ",  # Coptic
        "華為 Technologies",  # a Chinese word beside a Latin one
        "Huawei Technologies",
        "Société Générale",  # Latin with diacritics
        "Газпром Holdings",  # a Cyrillic word with letters that have no Latin look-alike
    ],
)
def test_names_in_one_script_are_not_folded(name: str) -> None:
    assert spoofed_words(name) == ()
    assert latin_skeleton(name) is None
    assert data_quality([("name", name)]) == []


def test_real_names_in_other_scripts_still_match_themselves(spoof_ctx: ScreeningContext) -> None:
    for name, key in (("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", "k1"), ("Ⲙⲁⲣⲕⲟⲥ Ⲡⲁⲡⲁⲥ", "k2")):
        result = screen_party(Party("c", name), spoof_ctx)
        assert result["matches"] and result["matches"][0]["entry_id"] == key
        assert _flags(result) == []


def test_the_written_form_is_screened_too() -> None:
    # "САТ Holdings" is also screened as written: a listed Cyrillic "САТ" still meets it.
    party = Party("q", "САТ Holdings")
    assert query_names(party) == ["САТ Holdings", "CAT Holdings"]
