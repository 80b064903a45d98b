"""The screening functions in their output-contract form (ARCHITECTURE.md section 4).

Most screening tests assert on the JSON a user gets, so they screen through these: the
typed :class:`compliance.decision.Decision` is turned into its ``to_dict()`` form, the same
step every writer takes.
"""

from __future__ import annotations

from typing import Any

from compliance.model import Party
from compliance.records import DataCentre
from compliance.screening import ScreeningContext
from compliance.screening import screen_data_centre as _screen_data_centre
from compliance.screening import screen_party as _screen_party


def screen_party(party: Party, ctx: ScreeningContext, **kwargs: Any) -> dict[str, Any]:
    return _screen_party(party, ctx, **kwargs).to_dict()


def screen_data_centre(dc: DataCentre, ctx: ScreeningContext) -> dict[str, Any]:
    return _screen_data_centre(dc, ctx).to_dict()
