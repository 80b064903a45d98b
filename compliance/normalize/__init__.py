"""The ONE name normalization, used for list names at index time and for queries at run time."""

from compliance.normalize.names import NormName, normalize_name

__all__ = ["NormName", "normalize_name"]
