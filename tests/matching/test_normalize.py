"""The one normalization: table-driven cases."""

from __future__ import annotations

import pytest

from compliance.normalize import normalize_name
from compliance.normalize.scripts import skeleton

CASES: list[tuple[str, bool, tuple[str, ...]]] = [
    # legal forms made comparable, not deleted
    ("Huawei Technologies Co., Ltd.", False, ("huawei", "technologies", "llc")),
    ("HUAWEI TECHNOLOGIES CO LTD", False, ("huawei", "technologies", "llc")),
    ("Huawei Technologies Company Limited", False, ("huawei", "technologies", "company", "llc")),
    ("Siemens Aktiengesellschaft", False, ("siemens", "jsc")),
    ("ООО Газпром нефть", False, ("llc", "gazprom", "neft")),
    ("OOO Gazprom Neft", False, ("llc", "gazprom", "neft")),
    ("Limited Liability Company Romashka", False, ("llc", "romashka")),
    # run-together legal forms
    ("JSCARGUMENT", False, ("jsc", "argument")),
    ("JSC ARGUMENT", False, ("jsc", "argument")),
    # scripts
    ("华为技术有限公司", False, ("huawei", "technology", "llc")),
    ("长江存储科技有限责任公司", False, ("changjiang", "cunchu", "technology", "llc")),
    ("北京旷视科技有限公司", False, ("beijing", "kuangshi", "technology", "llc")),
    ("Changjiang Cunchu Keji Youxian Zeren Gongsi", False,
     ("changjiang", "cunchu", "technology", "llc")),
    ("조선콤퓨터쎈터", False, ("choson", "computer", "center")),
    ("Société Générale S.A.", False, ("societe", "generale", "jsc")),
    # persons: name order and titles
    ("MADURO MOROS, Nicolas", True, ("nicolas", "maduro", "moros")),
    ("Dr. Ayman al-Zawahiri", True, ("ayman", "al", "zawahiri")),
    # religious and lineage honorifics rigour keeps, while a word is left
    ("MAHMOOD, Maulvi Fariduddin", True, ("fariduddin", "mahmood")),
    ("Haji Mullah Abdul Bari", True, ("abdul", "bari")),
    ("Seyed Ali Hosseini", True, ("ali", "hosseini")),
    ("Sheikh", True, ("sheih",)),  # nothing else: kept
    ("Shaykh Ameen", True, ("shayh", "ameen")),  # one word would be left: kept
    ("Sheikh Trading LLC", False, ("sheih", "trading", "llc")),  # not in a company name
    ("Ali Sheikh", True, ("ali", "sheih")),  # a family name, not a title
    # an ordinal written with digits is its number
    ("140TH REPAIR PLANT JSC", False, ("140", "repair", "plant", "jsc")),
    ("101st Light Infantry Division", False, ("101", "light", "infantry", "division")),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "person", "tokens"), CASES)
def test_tokens(raw: str, person: bool, tokens: tuple[str, ...]) -> None:
    assert normalize_name(raw, person).tokens == tokens


@pytest.mark.parametrize("raw", ["Co., Ltd.", "CORP", "Limited", "LLC", "GmbH", "有限公司", "  "])
def test_names_made_only_of_legal_forms_are_empty(raw: str) -> None:
    assert normalize_name(raw).is_empty


def test_cyrillic_and_latin_renderings_meet() -> None:
    assert normalize_name("ООО Газпром нефть").core == normalize_name("Gazprom Neft LLC").core


def test_arabic_script_is_flagged_and_skeletons_meet() -> None:
    persian = normalize_name("صنایع الکترونیک ایران")
    latin = normalize_name("Sanaye Electronic Iran")
    assert persian.abjad and not latin.abjad
    assert [skeleton(t) for t in persian.core][::2] == [skeleton(t) for t in latin.core][::2]


def test_joined_form_meets_split_rendering() -> None:
    assert normalize_name("Mega Tech Ltd").joined == normalize_name("MEGATECH LIMITED").joined


@pytest.mark.parametrize(
    "names",
    [
        ("JSC NPO POISK", "Aktsionernoe Obshchestvo Nauchno-Proizvodstvennoe Obyedinenie Poisk",
         "JOINT-STOCK COMPANY 'SCIENTIFIC AND PRODUCTION ASSOCIATION 'POISK'"),
        ("NPF KRUG", "NAUCHNO PROIZVODSTVENNAYA FIRMA KRUG", "SCIENTIFIC PRODUCTION COMPANY KRUG"),
        ("AO OKB FAKEL", "AO OPYTNOE KONSTRUKTORSKOE BYURO FAKEL",
         "AO EXPERIMENTAL DESIGN BUREAU FAKEL"),
        ("NII POLYUS", "RESEARCH INSTITUTE POLYUS", "NAUCHNO ISSLEDOVATELSKY INSTITUT POLYUS"),
        ("OOO TD EPK", "OOO TORGOVY DOM EPK", "OOO TRADING HOUSE EPK"),
        ("FGUP ATOMFLOT", "FSUE ATOMFLOT", "FEDERAL STATE UNITARY ENTERPRISE ATOMFLOT"),
    ],
)  # fmt: skip
def test_russian_organisation_classes_are_one_token(names: tuple[str, ...]) -> None:
    forms = {normalize_name(n, False).tokens for n in names}
    assert len(forms) == 1, forms
    # the class weighs as a legal form ("soe" is rigour's own word for a state enterprise and
    # weighs as a word): the name is what is left
    (tokens,) = forms
    core = [t for t in normalize_name(names[0], False).core if t != "soe"]
    assert len(core) == 1, tokens


def test_an_acronym_that_is_the_whole_name_is_the_name() -> None:
    # "SKB AO" is a bank, not a special design bureau; "NII" alone stays a word
    assert normalize_name("SKB AO", False).core == ("skb",)
    assert normalize_name("NII", False).core == ("ny",)  # folded like any word ending in -ii
    # and a person's name is never rewritten
    assert normalize_name("SOE, U Thein", True).tokens == ("u", "thein", "soe")
