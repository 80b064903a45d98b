"""Who owns a record: its owners, parent and ultimate parent, each screened against the lists.

The result is the ``ownership.owners`` fact (see :mod:`compliance.rules.catalog`): one item
per related party with its share, how it is related (``via``) and its list hits. When a related
party is itself a record of the same batch (found by normalized name in an
:class:`OwnershipGraph`), its own owners are followed too, so the 50% rules can see through
intermediaries ("A is 60% owned by B; B is 50% owned by a blocked person"). Cycles and chains
deeper than :data:`~compliance.rules.operators.MAX_DEPTH` stop the walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from compliance.model import Party
from compliance.normalize.names import normalize_name
from compliance.rules.operators import MAX_DEPTH

HitRecords = tuple[dict[str, Any], ...]
ScreenName = Callable[[str, str | None], HitRecords]


def name_key(name: str) -> str:
    """Batch records and owner names meet on this: the normalized tokens, legal form kept."""
    return " ".join(normalize_name(name, False).tokens)


class OwnershipGraph:
    """The records of one batch that name owners or parents, by normalized name."""

    def __init__(self, parties: Iterable[Party] = ()) -> None:
        self._by_name: dict[str, Party] = {}
        for party in parties:
            self.add(party)

    def add(self, party: Party) -> None:
        if party.owners or party.parent_name or party.ultimate_parent_name:
            key = name_key(party.name)
            if key:
                self._by_name.setdefault(key, party)

    def find(self, name: str) -> Party | None:
        return self._by_name.get(name_key(name)) if self._by_name else None

    def __len__(self) -> int:
        return len(self._by_name)


def related(party: Party) -> list[tuple[str, str, float | None, str | None]]:
    """(via, name, share, country) for each owner, the parent and the ultimate parent; a name
    given twice (the parent also listed among the owners) is kept once, with its share."""
    out: list[tuple[str, str, float | None, str | None]] = []
    seen: set[str] = set()
    for owner in party.owners:
        out.append(("owner", owner.name, owner.share, owner.country))
        seen.add(owner.name.casefold().strip())
    for via, name, country in (
        ("parent", party.parent_name, party.parent_country),
        ("ultimate_parent", party.ultimate_parent_name, party.ultimate_parent_country),
    ):
        if name and name.casefold().strip() not in seen:
            out.append((via, name, None, country))
            seen.add(name.casefold().strip())
    return out


def owner_links(
    party: Party,
    screen_name: ScreenName,
    graph: OwnershipGraph | None = None,
    *,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], ...]:
    links: list[dict[str, Any]] = []
    seen = seen | {party.id}
    for via, name, share, country in related(party):
        record = graph.find(name) if graph is not None else None
        nested: tuple[dict[str, Any], ...] = ()
        if record is not None and record.id not in seen and depth < MAX_DEPTH:
            nested = owner_links(record, screen_name, graph, depth=depth + 1, seen=seen)
        links.append(
            {
                "name": name,
                "share": share,
                "country": country,
                "via": via,
                "record_id": record.id if record is not None else None,
                "hits": screen_name(name, country),
                "owners": nested,
            }
        )
    return tuple(links)


def listed_share_unknown(links: Iterable[dict[str, Any]]) -> bool:
    """A direct owner with list hits whose share the record does not give."""
    return any(link["via"] == "owner" and link["share"] is None and link["hits"] for link in links)
