"""Weights and thresholds of the scorer, as data. Each value has a worked example.

Change them here (or pass another :class:`Weights` to the Matcher); the benchmark in
``benchmarks/quality.py`` measures what a change does to recall and precision.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Weights:
    # A query whose best score reaches this is listed as a match and needs review.
    # Example: "Huawei Technologies Co Ltd" vs "Huawei Technologies Co., Ltd." scores 1.0;
    # "Huawei Tech" vs it scores ~0.84 (the rare token "huawei" carries it) -> review.
    review_threshold: float = 0.80

    # Two tokens count as the same word when their similarity (optimal string alignment,
    # transpositions cost 1) reaches this. "huawie"/"huawei" = 0.83 (kept); "bush"/"habbash"
    # = 0.43 (not a match, so "George Bush" does not meet "George Habbash"); "wang"/"fang"
    # = 0.75 (not a match: in a 4-letter word one letter is a different name).
    token_similarity_floor: float = 0.8
    # An entry's tokens that the query does not have count this much (the query's own
    # unmatched tokens count fully): lists give full names, customers often fewer parts.
    # "Nicolas Maduro" vs "MADURO MOROS, Nicolas": "moros" is missing -> ~0.86, not ~0.77.
    unmatched_entry_token_factor: float = 0.5
    # A person's name parts cost this much instead when missing on one side: the query's
    # middle names and the parts it adds to a listed name it holds whole (below), and the
    # entry's parts the query lacks when the query meets the entry's first part and one more,
    # one of them at least ``person_extra_part_min_weight``, each better than by an initial.
    # "AWAD, Kamal" vs "AWAD, Kamal Abdelrahman Aref" ~0.81 instead of ~0.78; "HANIYEH,
    # Ismail Abdel Salam Ahmed" vs "HANIYEH, Ismail" ~0.82 instead of ~0.78. Not when the
    # entry's first part is missing: "Carlos Sanchez" vs "MONTOYA SANCHEZ, Juan Carlos" stays
    # at ~0.78 (two common parts of a four-part name, neither its first).
    person_part_factor: float = 0.4
    # ...but only for a query with at least one distinctive token (weight >= this). A query
    # made of common words gets no discount: "Beijing Technology Co." vs "Beijing Institute
    # of Technology" stays at ~0.67 instead of ~0.80.
    min_distinctive_weight: float = 0.5
    # The query's own words the entry lacks count fully, with two exceptions, both at
    # ``unmatched_entry_token_factor``:
    # * a person's name whose every part the query has, two or more of them, one at least this
    #   distinctive: the query's extra parts (another family name, a patronymic, a clan name)
    #   cost little. "Thomas Lubanga Dyilo" vs "LUBANGA, Thomas" ~0.88 instead of ~0.78;
    #   "Oumar Younous Abdoulay" vs "Oumar Younous" ~0.87. A listing of common parts only
    #   ("Ali Hassan": no part this rare) keeps the full cost: "Ali Hassan Raza" stays low.
    person_extra_part_min_weight: float = 0.6
    # * an organisation's word no more distinctive than the best word the names share, when
    #   two or more words are shared and the best of them weighs at least this, the mirror of
    #   the entry-side rule: "Valfajr Shipping Lines" vs "VALFAJR SHIPPING CO." ~0.87 instead
    #   of ~0.78 ("lines" is commoner than "valfajr"). "Gazprom Neft" vs "OOO Neft" keeps the
    #   full cost: "gazprom" is rarer than "neft", so it may be the name; so does "Schneider
    #   National" vs "SCHNEIDER GMBH": one shared word, and "national" may be the rest of
    #   another company's name.
    org_extra_word_min_weight: float = 0.5
    # Tokens this short must be equal: "zte"/"zta" would otherwise be one edit apart.
    exact_token_max_len: int = 3
    # A token one common typo away from another (adjacent letters swapped, a digit for its
    # look-alike letter; see compliance.index.typo_variants) counts at least this alike, when
    # both are longer than ``exact_token_max_len``. "oamr"/"omar" (0.75 by edit distance) and
    # "lakahl"/"lakhal" (listed as "lahal" after folding "kh": 0.67) -> 0.85, so
    # "Mohamed Lakahl" vs "LAKHAL, Mohamed" scores ~0.89 instead of ~0.38. A different letter
    # is no typo: "wang"/"fang" stays at 0.75 (below the floor).
    typo_similarity: float = 0.85
    # Blocking: a query token the lists never use also looks up the list tokens one typo
    # away (compliance.index.NameIndex.near_tokens): its typo variants and, from this many
    # letters on, itself with one letter dropped ("dollahh" finds "dollah"). In a short name a
    # typo breaks most trigram keys: "Mohamed Lakahl" is not among "LAKHAL, Mohamed"'s
    # candidates otherwise. (A letter changed or dropped in the query is left to the trigrams:
    # finding those needs a deletion index of every list token, ~1M keys at 5x the lists.)
    near_edit_min_len: int = 5
    # ...and so does a token the lists use in at most this many names: a rare listed
    # spelling may be a typo of another. Common tokens ("mohammed") do not: their key alone
    # finds enough names, and it is cheaper.
    near_max_df: int = 5
    # ... and, when set, the indexed tokens with one letter more (the query "salmi" finds
    # "salqmi"). Off for the lists (a query with a letter dropped is screening's "dollah" for
    # "dollahh", already found); on for the stored parties' index, where the list's name is
    # the query and the customer's the indexed name (compliance.services.party_index).
    near_insertions: bool = False

    # Another spelling of the same name that edit distance cannot see: two tokens sharing a
    # name symbol (rigour's name data, compliance.normalize.symbols) count this alike, whatever
    # their letters: "husayn"/"hussein" (OSA 0.57), "iouri"/"yuri", "bill"/"william",
    # "sasha"/"aleksandr", "محمد" (transliterated "mhmd")/"muhammad". So "Saddam Husayn" vs
    # "Saddam HUSSEIN" scores ~0.95 instead of ~0.55.
    symbol_similarity: float = 0.9
    # Two tokens of at least ``phonetic_min_len`` letters with the same Metaphone code and
    # first letter, and at least ``phonetic_min_similarity`` alike by edit distance, count this
    # alike: "nikolay"/"nykolai" (NKL, OSA 0.71), "karim"/"kareem" (KRM, 0.67),
    # "shaheed"/"shahid" (XHT, 0.71). Shorter tokens are mostly syllables of Chinese or Korean
    # names, where one vowel makes another name: "fang"/"feng" (FNK) stay apart. The letter
    # bound keeps apart different names with one code: "roman"/"ramon" (RMN, 0.6).
    # A person's name part written with another first vowel (i/e, o/u) counts the same, from
    # 4 letters (compliance.normalize.symbols.vowel_key): "Eyad Nazmi Saleh Khalil" vs
    # "IYAD NAZMI SALIH KHALIL" ~0.93 instead of ~0.78; "Zaki Ezat" vs "Zaki Izzat". (So do
    # "Ivan"/"Evan": the price of it.) So does one whose vowels differ only in the pairs
    # romanizations confuse, a/e, e/i, o/u, from 4 letters and not a one-syllable Chinese or
    # Korean name (compliance.normalize.symbols.inner_vowel_key): "Abukar Ali Aden" vs "ADAN,
    # Abukar Ali" ~0.94 instead of ~0.68; "Raeef Al-Kouatly" vs "Raif Al-Kouatly". Not
    # "mina"/"mona" (i/o) nor "fang"/"feng" (a syllable). ("Bill"/"Bell" pair too.)
    phonetic_similarity: float = 0.85
    phonetic_min_len: int = 5
    phonetic_min_similarity: float = 0.65

    # A person's initial and a name part starting with its letter count this alike, either
    # way round: "MARKELOV, Vitaly A" vs "Vitaliy Anatolyevich MARKELOV" ("a"/"anatolyevich")
    # -> ~0.95 instead of ~0.77; "Y. Prigozhin" vs "PRIGOZHIN, Yevgeniy Viktorovich" ~0.80.
    # Less than a spelling (the initial says one letter), enough with the family name.
    initial_similarity: float = 0.8

    # For names transliterated from Arabic script, token similarity may come from consonant
    # skeletons instead, times this factor: "alktrwnyk"/"electronic" -> "lktrnk" = 1.0 * 0.9.
    skeleton_factor: float = 0.9
    # Legal-form tokens ("llc", "jsc", "corp") weigh this much in name similarity: a match on
    # "Co., Ltd." says nothing, a different legal form barely lowers a score.
    # Example: "Siemens AG" vs "Siemens GmbH": only "siemens" differs in weight -> ~0.96.
    legal_form_weight: float = 0.15

    # When two names have different token counts and their written-together forms are at
    # least ``joined_min_similarity`` alike (run-together words: "Mega Tech" / "Megatech"),
    # that similarity may stand in for the token score, times ``joined_factor``:
    # "megatech"/"megatech" = 1.0 * 0.95. "shenzhentechnology" vs "shenzhenschtechnology"
    # (0.86) is not a run-together case: the extra token "sch" is the name.
    joined_factor: float = 0.95
    joined_min_similarity: float = 0.9

    # Secondary evidence, added to the name score (then clamped to [0, 1]).
    # Example: "Sugon" (CN) vs Sugon's entry (CN): +0.03; the same name from DE: -0.08.
    country_match: float = 0.03
    country_mismatch: float = -0.08
    # A person's date of birth in a different year: -0.15 (same year: +0.05).
    dob_match: float = 0.05
    dob_mismatch: float = -0.15
    # A person query against an organization entry (or the reverse): -0.12.
    type_mismatch: float = -0.12
    # A hit only on a weak ("low quality") alias: -0.05.
    weak_alias: float = -0.05
    # A name of one word (legal forms aside) against a listed name of one word that is not
    # the same word: -0.05. One letter changed in a short brand is another brand: "Alcon" vs
    # the alias "ALCO" 0.80 -> 0.75, "Fortum" vs "LLC FORUM" 0.81 -> 0.76, "Tesla" vs "TESA"
    # 0.80 -> 0.75. Not when the two sound alike (Metaphone or consonant skeleton): "Sugno"/
    # "Sugon" (SKN) stays at 0.85, "Cytrox"/"SYTROX" at 0.83; one letter in seven or more
    # still reaches review ("Kvantorforn"/"KVANTORFORM" 0.91 -> 0.86).
    one_word_inexact: float = -0.05
    # An exact registration / ID number hit is strong evidence on its own: the score is at
    # least this (it still needs review).
    identifier_match: float = 0.95
    # Address tokens shared with the entry's address: up to +0.03.
    address_match: float = 0.03
    # A registration number that differs from every identifier the entry gives: -0.02. Small:
    # an entry lists some of a party's numbers, not all, so a difference proves little.
    identifier_mismatch: float = -0.02
    # None of these penalties takes a name that alone reaches the review threshold below it:
    # "Ayman AL ZAWAHRI" (name 0.94) born 1990 against the listed 1951 stays at 0.80.

    # Blocking: how many candidate names are scored per query name (after ranking by the
    # rarest shared keys), and keys found in more names than ``max_key_df`` are skipped.
    max_candidates: int = 150
    max_key_df: int = 1000
    # ...and a name must share at least this share of the query's key weight (token and
    # trigram keys, by rarity) to be scored at all. A one-letter typo in a ten-letter name
    # keeps ~75% of its trigrams; an unrelated name shares a few common trigrams (< 20%).
    min_key_coverage: float = 0.45
    # Below that, the best ``min_candidates`` names sharing at least ``min_key_coverage_floor``
    # are still scored: "IFYTEK" keeps only ~30% of its keys in common with "IFLYTEK".
    min_candidates: int = 5
    min_key_coverage_floor: float = 0.2


DEFAULT_WEIGHTS = Weights()
