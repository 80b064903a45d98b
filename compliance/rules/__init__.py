"""Declarative, cited, effective-dated rules (``rules/*.yaml``) and their evaluation.

Read in this order: :mod:`.catalog` (the facts), :mod:`.operators` (the grammar's operators),
:mod:`.schema` (the file format), :mod:`.loader` (reading a directory), :mod:`.engine`
(evaluating one record's facts as of a date), :mod:`.cases` (known-answer cases).
"""

from compliance.rules.engine import CompiledRuleset, RuleHit, Ruleset, decide
from compliance.rules.loader import RulesetError, load_ruleset, rule_dirs, shipped_dir

__all__ = [
    "CompiledRuleset",
    "RuleHit",
    "Ruleset",
    "RulesetError",
    "decide",
    "load_ruleset",
    "rule_dirs",
    "shipped_dir",
]
