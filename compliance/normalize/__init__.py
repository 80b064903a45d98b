"""The ONE name normalization, used for list names at index time and for queries at run time."""

from compliance.normalize.invisible import invisible_characters, strip_invisible, visual_form
from compliance.normalize.names import NormName, normalize_name

__all__ = [
    "NormName",
    "invisible_characters",
    "normalize_name",
    "strip_invisible",
    "visual_form",
]
