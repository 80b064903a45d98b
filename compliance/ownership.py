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
        self._by_name: dict[str, list[Party]] = {}
        for party in parties:
            self.add(party)

    def add(self, party: Party) -> None:
        if party.owners or party.parent_name or party.ultimate_parent_name:
            key = name_key(party.name)
            if key:
                self._by_name.setdefault(key, []).append(party)

    def find(self, name: str, country: str | None = None) -> Party | None:
        """The batch record of that name; with several ("Acme Ltd" in GB and in SG), the one
        in ``country``, and none when the country does not tell them apart."""
        found = self._by_name.get(name_key(name)) if self._by_name else None
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        same = [p for p in found if country and p.country == country]
        return same[0] if len(same) == 1 else None

    def __len__(self) -> int:
        return len(self._by_name)


def related(party: Party) -> list[tuple[str, str, float | None, str | None]]:
    """(via, name, share, country) for each owner, the parent and the ultimate parent. One
    party named twice (an owner also given as the parent, "Foo Ltd" and "FOO LIMITED") is kept
    once, with its share, so it is never counted twice."""
    out: list[tuple[str, str, float | None, str | None]] = []
    seen: set[str] = set()
    candidates: list[tuple[str, str | None, float | None, str | None]] = [
        ("owner", o.name, o.share, o.country) for o in party.owners
    ]
    candidates += [
        ("parent", party.parent_name, None, party.parent_country),
        ("ultimate_parent", party.ultimate_parent_name, None, party.ultimate_parent_country),
    ]
    for via, name, share, country in candidates:
        if not name:
            continue
        key = name_key(name) or name.casefold().strip()
        if key in seen:
            continue
        seen.add(key)
        out.append((via, name, share, country))
    return out


MAX_LINKS = 200
"""At most this many related parties are followed for one record (a dense web of batch
records holding each other would otherwise grow exponentially); past it the walk stops."""


def owner_links(
    party: Party,
    screen_name: ScreenName,
    graph: OwnershipGraph | None = None,
    *,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
    budget: list[int] | None = None,
) -> tuple[dict[str, Any], ...]:
    budget = [MAX_LINKS] if budget is None else budget
    links: list[dict[str, Any]] = []
    seen = seen | {party.id}
    for via, name, share, country in related(party):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        record = graph.find(name, country) if graph is not None else None
        nested: tuple[dict[str, Any], ...] = ()
        if record is not None and record.id not in seen and depth < MAX_DEPTH:
            nested = owner_links(
                record, screen_name, graph, depth=depth + 1, seen=seen, budget=budget
            )
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
    """An owner, parent or ultimate parent with list hits whose share the record does not give
    (for a parent the 50% rules assume 50%; this flag asks a reviewer to check it)."""
    return any(link["share"] is None and link["hits"] for link in links)
