"""Reading a rules directory: every file validated, or nothing loaded.

The shipped rules (``rules/`` in the repository, installed as ``compliance/rulefiles``) come
first; an operator's directory (``COMPLIANCE_RULES_DIR``) is laid over them by file name: a
file of the same name replaces the shipped one, a new name adds a topic. ``country_groups.yaml``
must be present in one of them. ``*.cases.yaml`` files hold known-answer cases and are not part
of the ruleset (nor of its version hash).

Every problem in every file is collected and reported together, each with its file, line and
field; a :class:`RulesetError` means no ruleset at all, never half of one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from compliance.errors import BadInputError, FileFormatError
from compliance.rules.engine import Ruleset
from compliance.rules.schema import CasesFile, GroupsFile, RuleFile

GROUPS_FILE = "country_groups.yaml"
CASES_SUFFIX = ".cases.yaml"


class RuleFileError(FileFormatError):
    code = "bad_rule_file"


class RulesetError(BadInputError):
    """One or more rule files are invalid; ``problems`` lists each with file, line, field."""

    code = "bad_ruleset"

    def __init__(self, problems: Sequence[RuleFileError]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p.message}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the rules:\n{lines}")

    def to_dict(self) -> dict[str, object]:
        return {
            "error": self.code,
            "detail": self.message,
            "problems": [p.to_dict() for p in self.problems],
        }


def shipped_dir() -> Path:
    return Path(str(resources.files("compliance") / "rulefiles"))


# ---------------------------------------------------------------------------------- YAML
class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML would silently keep the last one) and
    reads booleans the YAML 1.2 way: only ``true``/``false``, so the country code ``NO``
    (Norway) stays a string instead of becoming ``False``."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), [_first]
    )


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _locate(root: yaml.Node | None, loc: Iterable[int | str]) -> tuple[int | None, str]:
    """The line and the field path of the YAML node a pydantic error location points at.

    Location parts that are neither a key of the current mapping nor an index of the current
    sequence (pydantic's union tags, for instance) are skipped."""
    node = root
    path = ""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part).rstrip("_"):
                    node = value
                    path += f".{key.value}" if path else key.value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            node = node.value[part]
            path += f"[{part}]"
    line = int(node.start_mark.line) + 1 if node is not None else None
    return line, path or "(file)"


def _read_yaml(path: Path, problems: list[RuleFileError]) -> tuple[Any, yaml.Node | None, bytes]:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(RuleFileError(path, f"cannot read: {exc}"))
        return None, None, b""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = int(mark.line) + 1 if mark is not None else None
        problems.append(RuleFileError(path, f"not valid YAML: {exc}", line=line))
        return None, None, raw
    if not isinstance(data, dict):
        problems.append(RuleFileError(path, "the file must be a mapping (file:, rules: ...)"))
        return None, None, raw
    return data, root, raw


def _validate(
    model: type[RuleFile] | type[GroupsFile] | type[CasesFile],
    path: Path,
    data: Any,
    root: yaml.Node | None,
    context: dict[str, Any],
    problems: list[RuleFileError],
) -> Any:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            msg = err["msg"].removeprefix("Value error, ")
            line, where = _locate(root, loc)
            problems.append(RuleFileError(path, msg, line=line, field=where))
        return None


# ------------------------------------------------------------------------------- loading
@dataclass(frozen=True)
class LoadedCases:
    path: Path
    cases: CasesFile


def _collect(dirs: Sequence[Path]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for directory in dirs:
        if not directory.is_dir():
            raise BadInputError(f"{directory}: rules directory not found")
        for path in sorted(directory.glob("*.yaml")):
            files[path.name] = path
        ignored = sorted(p.name for p in directory.glob("*.yml"))
        if ignored:
            raise BadInputError(
                f"{directory}: rule files must end in .yaml; rename {', '.join(ignored)}"
            )
    return files


def rule_dirs(extra: Path | None = None) -> list[Path]:
    return [shipped_dir(), *([extra] if extra is not None else [])]


def _group_names(groups: GroupsFile | None, data: Any) -> list[str]:
    """The group names rules may use; from the raw file when it did not validate, so that one
    mistake in the groups file does not also fail every rule naming a group."""
    if groups is not None:
        return [g.name for g in groups.groups]
    raw = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return []
    return [str(g["name"]) for g in raw if isinstance(g, dict) and "name" in g]


def load_ruleset(dirs: Sequence[Path]) -> Ruleset:
    """Load and validate every rule file of ``dirs`` (later directories override earlier
    ones by file name). Raises :class:`RulesetError` listing every problem found."""
    files = _collect(dirs)
    problems: list[RuleFileError] = []
    if GROUPS_FILE not in files:
        raise RulesetError([RuleFileError(dirs[-1], f"{GROUPS_FILE} is missing")])
    digest = hashlib.sha256()
    group_path = files[GROUPS_FILE]
    data, root, raw = _read_yaml(group_path, problems)
    digest.update(GROUPS_FILE.encode() + b"\0" + raw + b"\0")
    groups = (
        _validate(GroupsFile, group_path, data, root, {}, problems) if data is not None else None
    )
    context = {"groups": _group_names(groups, data)}
    rule_files: dict[str, RuleFile] = {}
    seen_ids: dict[str, str] = {}
    for name, path in sorted(files.items()):
        if name == GROUPS_FILE or name.endswith(CASES_SUFFIX):
            continue
        data, root, raw = _read_yaml(path, problems)
        digest.update(name.encode() + b"\0" + raw + b"\0")
        if data is None:
            continue
        parsed = _validate(RuleFile, path, data, root, context, problems)
        if parsed is None:
            continue
        for i, rule in enumerate(parsed.rules):
            if rule.id in seen_ids:
                problems.append(
                    RuleFileError(
                        path,
                        f"rule id {rule.id!r} is also defined in {seen_ids[rule.id]}",
                        line=_locate(root, ("rules", i, "id"))[0],
                        field=f"rules[{i}].id",
                    )
                )
            seen_ids[rule.id] = name
        rule_files[name] = parsed
    if problems or groups is None:
        raise RulesetError(problems)
    return Ruleset(
        version="sha256:" + digest.hexdigest(),
        groups=groups,
        files=rule_files,
        sources={name: str(files[name]) for name in (*rule_files, GROUPS_FILE)},
    )


def load_cases(ruleset: Ruleset, dirs: Sequence[Path]) -> list[LoadedCases]:
    """The known-answer cases beside the rule files in use (``topic.cases.yaml`` belongs to
    ``topic.yaml``; cases of a file replaced by an operator's own are not loaded)."""
    files = _collect(dirs)
    problems: list[RuleFileError] = []
    loaded: list[LoadedCases] = []
    context = {"groups": [g.name for g in ruleset.groups.groups]}
    for name, path in sorted(files.items()):
        if not name.endswith(CASES_SUFFIX):
            continue
        rule_name = name.removesuffix(CASES_SUFFIX) + ".yaml"
        rule_path = files.get(rule_name)
        if rule_path is None or rule_path.parent != path.parent:
            continue
        data, root, _ = _read_yaml(path, problems)
        if data is None:
            continue
        parsed = _validate(CasesFile, path, data, root, context, problems)
        if parsed is not None:
            loaded.append(LoadedCases(path, parsed))
    if problems:
        raise RulesetError(problems)
    return loaded
