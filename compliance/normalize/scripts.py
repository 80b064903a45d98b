"""Transliteration of non-Latin scripts into lower-case ASCII.

- Latin with diacritics: decomposed and stripped (fast path, no table needed).
- Chinese (Han): generic company words are translated to the English words a Latin rendering
  uses (技术 -> technology, 有限公司 -> co ltd); the remaining runs of Han characters become
  pinyin words of two syllables (华为 -> huawei, 长江存储 -> changjiang cunchu), because Latin
  renderings write Chinese names in words, not syllables.
- Everything else (Cyrillic, Greek, Arabic, Hangul, kana...): rigour's ``ascii_text``; text
  it has no table for (Cherokee, Coptic, Lisu: rendered "?") through ``anyascii``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from rigour.text import ascii_text

# Generic words in Chinese organisation names and the English a Latin rendering uses.
# Longest first when matching. Major place names map to their own pinyin word.
HAN_WORDS: dict[str, str] = {
    "股份有限公司": " co ltd ",
    "有限责任公司": " llc ",
    "有限公司": " co ltd ",
    "集团": " group ",
    "控股": " holdings ",
    "公司": " company ",
    "技术": " technology ",
    "科技": " technology ",
    "信息": " information ",
    "电子": " electronics ",
    "网络": " network ",
    "通信": " communication ",
    "通讯": " communication ",
    "软件": " software ",
    "半导体": " semiconductor ",
    "集成电路": " integrated circuit ",
    "微电子": " microelectronics ",
    "智能": " intelligent ",
    "人工智能": " artificial intelligence ",
    "研究院": " research institute ",
    "研究所": " research institute ",
    "研究中心": " research center ",
    "中心": " center ",
    "大学": " university ",
    "学院": " institute ",
    "国际": " international ",
    "产业": " industry ",
    "工业": " industry ",
    "制造": " manufacturing ",
    "设备": " equipment ",
    "贸易": " trading ",
    "进出口": " import export ",
    "实业": " industrial ",
    "发展": " development ",
    "投资": " investment ",
    "国家": " national ",
    "超级计算": " supercomputing ",
    "超算": " supercomputing ",
    "计算机": " computer ",
    "系统": " system ",
    "工程": " engineering ",
    "航空": " aviation ",
    "航天": " aerospace ",
    "香港": " hong kong ",
    # Place names: kept as their own pinyin word, not glued to the name that follows.
    "中国": " china ",
    "北京": " beijing ",
    "上海": " shanghai ",
    "天津": " tianjin ",
    "重庆": " chongqing ",
    "深圳": " shenzhen ",
    "广州": " guangzhou ",
    "武汉": " wuhan ",
    "南京": " nanjing ",
    "杭州": " hangzhou ",
    "成都": " chengdu ",
    "西安": " xian ",
    "长沙": " changsha ",
    "合肥": " hefei ",
    "苏州": " suzhou ",
    "无锡": " wuxi ",
    "济南": " jinan ",
    "郑州": " zhengzhou ",
    "澳门": " macau ",
    "仪器": " instruments ",
    "光电": " optoelectronics ",
    "航运": " shipping ",
    "船务": " shipping ",
    "能源": " energy ",
    "数据": " data ",
    "总公司": " general company ",
    "机械": " machinery ",
    "材料": " materials ",
    "物流": " logistics ",
    "化工": " chemical ",
}
_HAN_RE = re.compile("|".join(sorted(map(re.escape, HAN_WORDS), key=len, reverse=True)))
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Korean loanwords and names as Latin renderings write them (Revised Romanization of the
# Hangul would give "keompyuteo senteo", "joseon"; lists write "computer center", "choson").
HANGUL_WORDS: dict[str, str] = {
    "조선": " choson ",
    "콤퓨터": " computer ",
    "컴퓨터": " computer ",
    "쎈터": " center ",
    "센터": " center ",
    "기술": " technology ",
    "전자": " electronics ",
    "무역": " trading ",
    "은행": " bank ",
    "회사": " company ",
    "총회사": " general corporation ",
    "련합": " association ",
}
_HANGUL_RE = re.compile("|".join(sorted(map(re.escape, HANGUL_WORDS), key=len, reverse=True)))

# Pinyin renderings of the same generic words, as lists sometimes give them in Latin
# ("Changjiang Cunchu Keji Youxian Zeren Gongsi"): rewritten to the English the other
# renderings use, so both meet.
PINYIN_WORDS: dict[str, str] = {
    "gufen youxian gongsi": "co ltd",
    "youxian zeren gongsi": "llc",
    "youxian gongsi": "co ltd",
    "youxiangongsi": "co ltd",
    "jituan": "group",
    "konggu": "holdings",
    "gongsi": "company",
    "keji": "technology",
    "jishu": "technology",
    "dianzi": "electronics",
    "xinxi": "information",
    "tongxin": "communication",
    "guoji": "international",
    "yanjiuyuan": "research institute",
    "yanjiusuo": "research institute",
    "daxue": "university",
    "bandaoti": "semiconductor",
    "jicheng dianlu": "integrated circuit",
    "zhizao": "manufacturing",
    "maoyi": "trading",
    "xianggang": "hong kong",
    "jinchukou": "import export",
    "zonggongsi": "general company",
    "zhongguo": "china",
    "nengyuan": "energy",
    "hangyun": "shipping",
    "chuanwu": "shipping",
}
_PINYIN_RE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, PINYIN_WORDS), key=len, reverse=True)) + r")\b"
)


def rewrite_pinyin(text: str) -> str:
    """Generic pinyin words to English (lower-case ASCII in, out)."""
    if "i" not in text and "o" not in text:
        return text
    return _PINYIN_RE.sub(lambda m: PINYIN_WORDS[m.group(0)], text)


# Native-script legal forms, replaced before transliteration (rigour's table works on Latin).
NATIVE_LEGAL_FORMS: dict[str, str] = {
    "株式会社": " kk ",
    "有限会社": " yk ",
    "주식회사": " co ltd ",
    "(주)": " co ltd ",
    "㈜": " co ltd ",
    "유한회사": " llc ",
    "شركة": " company ",
    "ش.م.م": " llc ",
    "ذ.م.م": " llc ",
}
_NATIVE_RE = re.compile("|".join(map(re.escape, NATIVE_LEGAL_FORMS)))


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _han_run(run: str) -> str:
    """Pinyin of a run of Han characters, as words of two syllables (most Chinese words in
    names have two: 长江存储 -> "changjiang cunchu"); a run of three stays one word."""
    # Imported on first use: pypinyin's phrase table costs 0.2 s and ~50 MiB, and most runs
    # never meet a Chinese name.
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(run)
    if len(syllables) <= 3:
        return "".join(syllables)
    words = ["".join(syllables[i : i + 2]) for i in range(0, len(syllables), 2)]
    if len(syllables) % 2:  # odd: the last syllable joins the word before it
        words[-2:] = [words[-2] + words[-1]]
    return " ".join(words)


def _han_to_latin(text: str) -> str:
    text = _HAN_RE.sub(lambda m: HAN_WORDS[m.group(0)], text)
    return _HAN_CHAR.sub(lambda m: " " + _han_run(m.group(0)) + " ", text)


# Cyrillic and Greek letters that look like a Latin one, by their case-folded form (names are
# case-folded first, so "Н" arrives as "н" and is mapped to the "h" it imitates).
_LOOKALIKES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ѵ": "v", "ү": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "n",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "y", "χ": "x",
}  # fmt: skip
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)
_WORD = re.compile(r"\w+")
_LATIN_LETTER = re.compile(r"[a-z]")


def _fold_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii() or not _LATIN_LETTER.search(word):
        return word
    foreign = [c for c in word if c.isalpha() and not c.isascii()]
    if all(c in _LOOKALIKES for c in foreign):
        return word.translate(_LOOKALIKE_TABLE)
    return word


def fold_lookalikes(text: str) -> str:
    """A word that mixes Latin letters with Cyrillic or Greek ones that all look like Latin
    letters ("Нuаwеі", "ZТЕ") is a spoof: those letters become the Latin ones they imitate.
    A word in one script, or one holding a letter with no Latin look-alike ("Газпрoм"), is
    left to transliteration. Input is case-folded."""
    if text.isascii():
        return text
    return _WORD.sub(_fold_word, text)


@lru_cache(maxsize=65536)
def to_ascii(text: str) -> str:
    """Lower-case ASCII rendering of ``text`` (already NFKC-normalised and case-folded)."""
    if text.isascii():
        return text
    if _NATIVE_RE.search(text):
        text = _NATIVE_RE.sub(lambda m: NATIVE_LEGAL_FORMS[m.group(0)], text)
    if _HAN_CHAR.search(text):
        text = _han_to_latin(text)
    if _HANGUL_RE.search(text):
        text = _HANGUL_RE.sub(lambda m: HANGUL_WORDS[m.group(0)], text)
    stripped = _strip_marks(text)
    if stripped.isascii():
        return stripped
    # Cyrillic, Greek, Arabic, Hangul, kana and the rest.
    out = str(ascii_text(stripped))
    if "?" in out and "?" not in stripped:
        # Scripts rigour has no table for (Cherokee, Coptic, Lisu...) come out as "?".
        out = anyascii(stripped)
    return out.lower()


# Arabic-script text is written without most vowels, so its transliteration ("snay alktrwnyk
# ayran") and a Latin rendering ("Sanaye Electronic Iran") differ mainly in vowels. Both meet
# on a consonant skeleton.
_ABJAD = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_SKELETON_DROP = str.maketrans("", "", "aeiouyhw")
_SKELETON_MAP = str.maketrans({"c": "k", "q": "k", "g": "k", "p": "b", "v": "f", "z": "s"})
_DOUBLES = re.compile(r"(.)\1+")


def is_abjad(text: str) -> bool:
    """True when ``text`` holds Arabic or Hebrew script."""
    return _ABJAD.search(text) is not None


def skeleton(token: str) -> str:
    """Consonant skeleton of an ASCII token: "electronic" -> "lktrnk", "alktrwnyk" -> "lktrnk"."""
    base = token[2:] if token.startswith("al") and len(token) > 4 else token
    return _DOUBLES.sub(r"\1", base.translate(_SKELETON_MAP).translate(_SKELETON_DROP))


# Romanizations of the same Cyrillic (and other) names differ in a few systematic ways:
# "Dmitrii"/"Dmitriy"/"Dmitry", "Khor"/"Hor", "Aleksei"/"Alexey", "Iurii"/"Yuri", German
# "Schoigu"/"Shoigu". Folding both sides to one spelling makes them compare equal.
_FOLD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"sch(?=[aeiouy])"), "sh"),  # German: "Schoigu"/"Shoigu"
    (re.compile(r"kh"), "h"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"(?:iy|ii|yi|ij|yj|yy)$"), "y"),
    (re.compile(r"^iu|(?<=[aeiou])iu"), "yu"),
    (re.compile(r"^ia|(?<=[aeiou])ia"), "ya"),
    (re.compile(r"^ie|(?<=[aeiou])ie"), "ye"),
    (re.compile(r"tz"), "ts"),
    (re.compile(r"ph"), "f"),
)


@lru_cache(maxsize=131072)
def fold_romanization(token: str) -> str:
    """One spelling for the common romanization variants of a token (applied to list names
    and queries alike): "dmitrii" -> "dmitry", "alexey" -> "aleksey", "khor" -> "hor"."""
    for pattern, repl in _FOLD_RULES:
        token = pattern.sub(repl, token)
    return token
