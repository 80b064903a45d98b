"""Name symbols, sound-alike name parts, initials and middle names (issue 9): the pairs they
make, what they must not pair, and the explanation that names why a pair counts."""

from __future__ import annotations

import pytest

from compliance.matching.engine import Matcher
from compliance.model import EntityType, ListEntry, Party
from compliance.normalize import normalize_name
from compliance.normalize.symbols import phonetic_key, word_symbols

P = EntityType.PERSON
ORG = EntityType.ORGANIZATION

ENTRIES = [
    ListEntry("s1", "HUSSEIN, Qusay Saddam", P, "SDN"),
    ListEntry("s2", "OSTROVSKY, Nikolay Petrovich", P, "SDN"),
    ListEntry("s3", "ALTURA", ORG, "SDN"),
    ListEntry("s4", "HOSSEINI, Seyed Mohammad", P, "SDN"),
    ListEntry("s5", "KRAVCHENKO, Vasily", P, "SDN"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build([("sym", ENTRIES)])


def _name_detail(matcher: Matcher, query: str, etype: EntityType, key: str) -> tuple[float, str]:
    for m in matcher.match(Party("q", query, entity_type=etype), threshold=0.3):
        if m.entry_key == key:
            return m.score, dict(m.features)["name"].detail
    return 0.0, ""


def test_a_word_keeps_the_symbols_of_its_own_script() -> None:
    # حسين transliterates to "hsyn", which rigour does not know; the token keeps the
    # symbols of the Arabic word, shared with the Latin "hussein".
    arabic = normalize_name("حسين", True)
    assert arabic.tokens == ("hsyn",)
    assert arabic.symbols[0] & word_symbols("hussein")
    assert not word_symbols("hsyn")


def test_a_spelling_paired_by_symbol_is_explained(matcher: Matcher) -> None:
    score, detail = _name_detail(matcher, "Qusay Saddam Husayn", P, "s1")
    assert score >= 0.8
    assert "husayn~hussein (0.90" in detail and "same name" in detail


def test_a_sound_alike_spelling_is_explained(matcher: Matcher) -> None:
    assert phonetic_key("nykolai") == phonetic_key("nikolay")
    score, detail = _name_detail(matcher, "Nykolai OSTROVSKY", P, "s2")
    assert score >= 0.8
    assert "nykolai~nikolay (0.85" in detail and "sounds alike" in detail


def test_sound_alike_brands_are_not_paired(matcher: Matcher) -> None:
    assert phonetic_key("altria") == phonetic_key("altura")
    score, _ = _name_detail(matcher, "Altria", ORG, "s3")
    assert score < 0.8


def test_an_initial_is_explained(matcher: Matcher) -> None:
    score, detail = _name_detail(matcher, "V. Kravchenko", P, "s5")
    assert score >= 0.8
    assert "v~vasily (0.80" in detail and "an initial" in detail


def test_a_missing_middle_name_costs_less_than_a_different_one(matcher: Matcher) -> None:
    # The query's middle name is absent from the entry: it costs half; so does the same word
    # at the end (a second family name the entry lacks), as the entry's every part is there
    # (Weights.person_extra_part_min_weight)...
    missing, _ = _name_detail(matcher, "Qusay Ahmad Saddam Hussein", P, "s1")
    at_end, _ = _name_detail(matcher, "Qusay Saddam Hussein Ahmad", P, "s1")
    assert missing >= 0.8
    assert at_end == pytest.approx(missing)
    # ... but a middle name different from the entry's costs in full.
    different, _ = _name_detail(matcher, "Seyed Jalal Hosseini", P, "s4")
    assert different < 0.8


# ------------------------------------------- rigour's person-name data, read as a lexicon
# Words as they come out of the normalizer: list names' and customers' own, in two scripts.
_WORDS = [
    "hussein",
    "husayn",
    "hossein",
    "mohammed",
    "muhammad",
    "mohamed",
    "vladimir",
    "aleksandr",
    "alexander",
    "sasha",
    "bill",
    "william",
    "alex",
    "sheikh",
    "abdul",
    "abu",
    "qaddafi",
    "gaddafi",
    "nikolay",
    "sergei",
    "sergey",
    "yuri",
    "iouri",
    "kim",
    "jong",
    "chol",
    "zhou",
    "enlai",
    "li",
    "wei",
    "ahmed",
    "ahmad",
    "ali",
    "hassan",
    "hasan",
    "omar",
    "umar",
    "yusuf",
    "youssef",
    "igor",
    "olga",
    "tatiana",
    "natalia",
    "dmitry",
    "dmitri",
    "ivan",
    "petrov",
    "ivanov",
    "smirnov",
    "kuznetsov",
    "владимир",
    "александр",
    "сергей",
    "حسين",
    "محمد",
    "علي",
    "김",
    "정은",
    "周",
    "恩来",
    "ヴラジーミル",
    "ולדימיר",
]


def test_the_lexicon_finds_what_rigours_tagger_finds() -> None:
    """The lexicon is read from the data rigour's person tagger is built from; for single
    words it must find the tagger's symbols (it may find more: forms with diacritics are
    also filed under their ASCII spelling)."""
    from rigour.names import NameTypeTag

    from compliance.normalize.symbols import _tagged, person_lexicon

    lexicon = person_lexicon()
    assert lexicon is not None, "rigour's person-name data was not found: the tagger is used"
    # (one-letter words are never looked up: word_symbols returns nothing for them)
    looked_up = [w for w in _WORDS if len(w) >= 2]
    missing = {w: sorted(set(_tagged(NameTypeTag.PER, w)) - set(lexicon.get(w))) for w in looked_up}
    assert {w: m for w, m in missing.items() if m} == {}
    assert sum(bool(lexicon.get(w)) for w in looked_up) >= len(looked_up) - 3


def test_forms_with_diacritics_are_found_by_their_ascii_spelling() -> None:
    # "Ramón", "Márquez", "Hüseyin" are corpus forms; the normalizer writes "ramon",
    # "marquez", "huseyin", which rigour's tagger alone does not know.
    assert word_symbols("huseyin") & word_symbols("hussein")
    assert word_symbols("ramon") and word_symbols("marquez")


def test_the_lexicon_survives_its_own_encoding_and_refuses_damage() -> None:
    from compliance.normalize.symbols import PersonLexicon, person_lexicon

    lexicon = person_lexicon()
    assert lexicon is not None
    blob = lexicon.to_bytes()
    again = PersonLexicon.from_bytes(blob)
    assert again == lexicon and again.get("bill") == lexicon.get("bill")
    with pytest.raises(ValueError):
        PersonLexicon.from_bytes(blob[: len(blob) // 2])  # truncated
    with pytest.raises(ValueError):
        PersonLexicon.from_bytes(b"not zstd at all")


def test_without_rigours_data_the_tagger_is_used(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from compliance.normalize.symbols import PersonLexicon

    stand_in = tmp_path / "_core.so"
    stand_in.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 64)  # a zstd magic, no frame
    assert PersonLexicon.from_rigour(stand_in) is None
    assert PersonLexicon.from_rigour(tmp_path / "missing.so") is None


def test_a_company_is_not_paired_by_a_short_syllables_name_symbol() -> None:
    # "sap" and "sup" are two readings of one Chinese character in rigour's data: for a
    # brand they are different names.
    assert word_symbols("sap") & word_symbols("sup")
    m = Matcher.build([("o", [ListEntry("o1", "JSC SUP", ORG, "UK")])])
    assert m.match(Party("q", "SAP", entity_type=ORG)) == []


def test_a_persons_name_inside_a_company_name_keeps_its_symbol() -> None:
    m = Matcher.build([("o", [ListEntry("o2", "JASMINE CONTRACTING COMPANY", ORG, "SDN")])])
    found = m.match(Party("q", "Yasmin Contracting Company", entity_type=ORG))
    assert [x.entry_key for x in found] == ["o2"]
    assert "same name" in dict(found[0].features)["name"].detail


def test_a_first_vowel_written_another_way_is_the_same_name() -> None:
    from compliance.normalize.symbols import vowel_key

    assert vowel_key("iyad") == vowel_key("eyad") and vowel_key("osama") == vowel_key("usama")
    assert vowel_key("amar") == "" and vowel_key("omar") != vowel_key("amar")  # Ammar is not Omar
    m = Matcher.build([("v", [ListEntry("v1", "KHALIL, Iyad Nazmi Salih", P, "UK")])])
    found = m.match(Party("q", "Eyad Nazmi Saleh Khalil", entity_type=P))
    assert [x.entry_key for x in found] == ["v1"] and found[0].score >= 0.9
    assert "eyad~iyad (0.85" in dict(found[0].features)["name"].detail


def test_a_first_vowel_pairs_only_a_persons_name() -> None:
    # Brands: "Ekon" is not "Ikon".
    m = Matcher.build([("v", [ListEntry("o1", "IKON TRADING", ORG, "SDN")])])
    assert m.match(Party("q", "Ekon Trading", entity_type=ORG)) == []


def test_east_slavic_forms_meet_each_other() -> None:
    assert word_symbols("oleksandr") & word_symbols("aleksandr")
    assert word_symbols("volodymyr") & word_symbols("vladimir")
    assert word_symbols("mykola") & word_symbols("nikolay") & word_symbols("mikalai")
    assert word_symbols("misha") & word_symbols("mikhail") & word_symbols("mykhailo")
    assert word_symbols("dima") & word_symbols("dmitriy") & word_symbols("dmitry")
    assert not word_symbols("misha") & word_symbols("dmitry")
    # a short form of several names is not tied to one of them
    assert not word_symbols("slava") & word_symbols("vyacheslav")


def test_vowels_romanizations_write_either_way_are_the_same_name() -> None:
    # Arabic's short vowels as a or e, i or e, o or u: Umar/Umer, Adan/Aden, Raif/Raeef.
    from compliance.normalize.symbols import inner_vowel_key, vowels_alike

    assert inner_vowel_key("umer") == inner_vowel_key("umar") and vowels_alike("umer", "umar")
    assert vowels_alike("raeef", "raif") and vowels_alike("faizuulah", "faizullah")
    assert not vowels_alike("maria", "mario") and not vowels_alike("omar", "amar")
    assert inner_vowel_key("feng") == "" and inner_vowel_key("ali") == ""
    m = Matcher.build(
        [
            (
                "v",
                [
                    ListEntry("v1", "ADAN, Abukar Ali", P, "SDN"),
                    ListEntry("v2", "AL-KOUATLY, Raif", P, "UK"),
                    ListEntry("v3", "ZUBAIR, Karim", P, "SDN"),
                ],
            )
        ]
    )
    for query, key, pair in (
        ("Abukar Ali Aden", "v1", "aden~adan (0.85"),
        ("Raeef Al-Kouatly", "v2", "raeef~raif (0.85"),
    ):
        found = m.match(Party("q", query, entity_type=P))
        assert [x.entry_key for x in found] == [key], query
        assert found[0].score >= 0.8 and pair in dict(found[0].features)["name"].detail


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("mina", "mona"),  # i/o: another name
        ("dina", "dana"),  # i/a
        ("fang", "feng"),  # one Chinese syllable: one vowel is another name
    ],
)
def test_other_vowels_stay_other_names(query: str, listed: str) -> None:
    m = Matcher.build([("v", [ListEntry("v1", f"{listed.upper()}, Tarek", P, "SDN")])])
    listed_id = m.index.token_id[listed]
    assert listed_id not in dict(m.index.equivalent_ids(query, frozenset(), True))
    found = m.match(Party("q", f"{query} Tarek", entity_type=P), threshold=0.0)
    assert not found or f"{query}~{listed}" not in dict(found[0].features)["name"].detail


def test_a_vowel_written_another_way_pairs_only_a_persons_name() -> None:
    # Brands: "Bell" is not "Bill", "Marin" not "Maren".
    m = Matcher.build([("v", [ListEntry("o1", "BELL TRADING", ORG, "SDN")])])
    assert m.index.token_id["bell"] not in dict(m.index.equivalent_ids("bill", frozenset(), False))
    assert m.match(Party("q", "Bill Trading", entity_type=ORG)) == []
