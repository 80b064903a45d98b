"""One exception hierarchy. Each error knows its HTTP status and its CLI exit code.

Exit codes follow the CLI contract: 0 ok, 1 findings with ``--fail-on``, 2 bad input.
Anything else that goes wrong is 3 (an operational failure: database, download, disk).
"""

from __future__ import annotations

from pathlib import Path


class ComplianceError(Exception):
    """Base of every error this package raises on purpose."""

    code: str = "error"
    http_status: int = 500
    exit_code: int = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "detail": self.message}


class BadInputError(ComplianceError):
    """The caller gave us something we cannot use (a file, an argument, a request body)."""

    code = "bad_input"
    http_status = 400
    exit_code = 2


class FileFormatError(BadInputError):
    """A file does not parse. Names the file, the line (1-based) and the field or column."""

    code = "bad_file"
    where_label = "field"

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", {self.where_label} {field!r}"
        super().__init__(f"{where}: {message}")

    def to_dict(self) -> dict[str, object]:
        return {
            "error": self.code,
            "detail": self.message,
            "file": self.path,
            "line": self.line,
            self.where_label: self.field,
        }


class ListFormatError(FileFormatError):
    """A list file does not parse."""

    code = "list_format"


class UnknownSourceError(BadInputError):
    code = "unknown_source"
    http_status = 404


class UnknownVersionError(BadInputError):
    code = "unknown_version"
    http_status = 404


class DownloadError(ComplianceError):
    """An official list could not be fetched or failed verification; nothing was changed."""

    code = "download_failed"
    http_status = 502


class ConfigurationError(ComplianceError):
    code = "configuration"


class StoreError(ComplianceError):
    code = "store"


class AuditChainError(ComplianceError):
    """The audit log's hash chain does not verify: a row was altered, removed or inserted."""

    code = "audit_chain_broken"


class ListGuardError(BadInputError):
    """A new list version was refused by a guard (rollback, removals, lost aliases or
    addresses, a partial file set, an older publication date, a record-count mismatch).
    Nothing changed; ``flags`` name the options that would accept it."""

    code = "list_refused"
    http_status = 409

    def __init__(self, message: str, *, flags: tuple[str, ...], details: dict[str, object]) -> None:
        super().__init__(message)
        self.flags = flags
        self.details = details

    def to_dict(self) -> dict[str, object]:
        return {
            "error": self.code,
            "detail": self.message,
            "override_flags": list(self.flags),
            **self.details,
        }


class ListIntegrityError(ComplianceError):
    """Stored list entries do not match the hashes recorded when their version was loaded."""

    code = "list_integrity"
    http_status = 500
    exit_code = 3


class DatabaseLockedError(StoreError):
    """Another process held the database (or its first-use setup) past the busy timeout."""

    code = "database_locked"
    http_status = 503


class DatabaseUnavailableError(StoreError):
    """The database could not be reached or failed; the message never holds a password."""

    code = "database_unavailable"
    http_status = 503


class OperatingSystemError(ComplianceError):
    """A file or system call failed for a reason other than a wrong input path (disk full,
    I/O error, our own files unreadable)."""

    code = "os_error"


class InternalError(ComplianceError):
    """An error no code path expected (a bug, RecursionError, MemoryError): exit 3."""

    code = "internal"
