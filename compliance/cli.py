"""The ``compliance`` command. Thin: parse arguments, call a service, render the result."""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from compliance.errors import (
    BadInputError,
    ComplianceError,
    InternalError,
    OperatingSystemError,
    StoreError,
)
from compliance.model import Outcome
from compliance.settings import Settings, get_settings
from compliance.store.database import Database, open_database

if TYPE_CHECKING:
    from compliance.decision import Decision
    from compliance.ownership import OwnershipGraph
    from compliance.rules import Ruleset
    from compliance.screening import ScreeningContext
    from compliance.services.screening import RunRecorder
    from compliance.services.workers import ContextSpec

app = typer.Typer(
    help="Export-control and sanctions screening for AI-compute providers.",
    no_args_is_help=True,
    add_completion=False,
)
lists_app = typer.Typer(
    help="Restricted-party lists: load, update, status, diff.", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
rules_app = typer.Typer(
    help="Jurisdiction rules: check a rules directory, list and explain rules.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")
app.add_typer(lists_app, name="lists")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
review_app = typer.Typer(
    help="The review queue: list and show cases; confirm, clear, escalate, comment, approve, "
    "reject (the actor is COMPLIANCE_ACTOR, the role COMPLIANCE_ROLE).",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")

# Piped or captured output gets a wide, stable layout instead of an 80-column squeeze.


def _silence_stdout() -> None:
    """Point stdout at /dev/null so nothing more (not even the interpreter's last flush) fails
    on a reader that has gone away."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class _Stdout(Console):
    """rich's console exits 1 when its reader goes away (``... | head``); 1 is the
    ``--fail-on`` code, so a closed output is reported like any operational failure (3)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        _silence_stdout()
        raise OperatingSystemError("the output was closed early (broken pipe); it is incomplete")


out = _Stdout(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

P = ParamSpec("P")
R = TypeVar("R")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

# The guards' overrides, the same on `lists load` and `lists update`.
AllowRollback = Annotated[
    bool,
    typer.Option(
        help="Accept content equal to an earlier version (by file or by entries), or an "
        "older publication."
    ),
]
AllowShrink = Annotated[
    bool,
    typer.Option(
        help="Accept removing more than COMPLIANCE_MAX_REMOVED_SHARE (2%) of the active "
        "version's entries, aliases or addresses, or exactly its last entries (a cut-off file)."
    ),
]
AllowPartial = Annotated[
    bool,
    typer.Option(
        help="Accept a partial file set (no OFAC alt/add file, or a file the active version "
        "had is missing, e.g. sdn_comments.csv) or a record-count mismatch."
    ),
]


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Every failure of a command becomes a one-line message on stderr and an exit code:
    2 bad input, 3 operational (database, disk, download, internal error), 130 interrupted;
    never 1 (a ``--fail-on`` finding) and never a traceback. The failure is also written to
    the audit log when the database is usable (best effort)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started = datetime.now(UTC)
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a reader that went away fails here, inside the mapping
            return result
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # typer.Exit and usage errors carry their own code
        except KeyboardInterrupt:
            _print_error("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # the one place every failure is mapped
            error = _as_error(exc, kwargs)
            _print_error(error.message)
            _audit_failure(func.__name__, error, exc, kwargs, started)
            raise typer.Exit(error.exit_code) from None

    return wrapper


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe_text(text: object) -> str:
    """``text`` on one line, printable whatever it holds: line breaks become spaces, control
    characters (terminal escapes included) ``\\xNN``, lone surrogates ``\\udcNN``."""
    line = str(text)
    parts = line.splitlines()
    if parts != [line]:
        line = " ".join(part.strip() for part in parts if part.strip())
    line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line)
    return line.encode("utf-8", "backslashreplace").decode("utf-8")


def _print_error(message: str) -> None:
    line = _safe_text(message)
    try:
        err.print(f"[bold red]error[/]: {escape(line)}", highlight=False, soft_wrap=True)
    except Exception:  # the message must get out even if rich cannot print it
        sys.stderr.write(f"error: {line}\n")


# errno values that say "this path is wrong" rather than "the system failed"
_PATH_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EPERM,
        errno.ELOOP,
        errno.ENAMETOOLONG,
        errno.EILSEQ,
        errno.ENXIO,
    }
)


def _argument_paths(kwargs: dict[str, Any]) -> list[Path]:
    paths: list[Path] = []
    for value in kwargs.values():
        items = value if isinstance(value, list | tuple) else [value]
        paths.extend(item for item in items if isinstance(item, Path))
    return paths


def _about_argument(exc: OSError, kwargs: dict[str, Any]) -> bool:
    """Whether ``exc`` is about a path the user gave (or a file under a directory they gave)."""
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    if not names or exc.errno not in _PATH_ERRNOS:
        return False
    given = [os.path.abspath(p) for p in _argument_paths(kwargs)]
    for name in names:
        path = os.path.abspath(os.fsdecode(name))
        if any(path == g or path.startswith(g.rstrip(os.sep) + os.sep) for g in given):
            return True
    return False


def _as_error(exc: Exception, kwargs: dict[str, Any]) -> ComplianceError:
    """The ComplianceError (and so the exit code) that stands for ``exc``."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, ComplianceError):
        return exc
    if isinstance(exc, SQLAlchemyError):
        from compliance.store.session import database_error

        settings = _settings()
        return database_error(
            exc,
            url=settings.effective_database_url,
            busy_timeout=settings.db_busy_timeout_seconds,
        )
    if isinstance(exc, OSError):
        name = exc.filename if exc.filename is not None else ""
        what = f"{os.fsdecode(name)}: " if name != "" else ""
        reason = exc.strerror or str(exc) or type(exc).__name__
        if isinstance(exc, BrokenPipeError) and not what:
            reason = "the output was closed early (broken pipe); it is incomplete"
            _silence_stdout()
        if _about_argument(exc, kwargs):
            return BadInputError(f"{what}{reason}")
        return OperatingSystemError(f"{what}{reason}")
    message = str(exc)
    if len(message) > 300:
        message = message[:297] + "..."
    return InternalError(f"internal error: {type(exc).__name__}: {message}".rstrip(": "))


def _caused_by_database(exc: BaseException) -> bool:
    """Whether the database is what failed (then the failure is not written to it)."""
    from sqlalchemy.exc import SQLAlchemyError

    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 20:
        if isinstance(current, SQLAlchemyError | StoreError):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def _audit_failure(
    command: str,
    error: ComplianceError,
    exc: Exception,
    kwargs: dict[str, Any],
    started: datetime,
) -> None:
    """Best effort: one ``cli.<command>`` row with outcome ``failed`` in the audit log, unless
    the database is what failed, the store does not exist yet, or the service already wrote
    a failure row during this command. Never raises."""
    if _caused_by_database(exc):
        return
    try:
        from sqlalchemy import select, text

        from compliance.store import audit
        from compliance.store.database import engine_for
        from compliance.store.session import (
            current_revision,
            head_revision,
            session_factory,
            sqlite_path,
            transaction,
        )
        from compliance.store.tables import AuditEvent

        settings = _settings()
        engine = engine_for(
            settings,
            busy_timeout=min(settings.db_busy_timeout_seconds, 2.0),
            connect_timeout=min(settings.db_connect_timeout_seconds, 3.0),
        )
    except Exception:  # best effort
        return
    try:
        db_file = sqlite_path(engine)
        if engine.dialect.name == "sqlite" and (db_file is None or not db_file.is_file()):
            return
        if current_revision(engine) != head_revision():
            return
        given = _argument_paths(kwargs)
        subject = str(given[0]) if given else command
        with transaction(session_factory(engine)) as session:
            if engine.dialect.name == "postgresql":  # never wait long behind a running load
                session.execute(text("SET LOCAL lock_timeout = '3s'"))
            last = session.execute(
                select(AuditEvent.at, AuditEvent.outcome, AuditEvent.actor)
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            ).first()
            if last is not None and last.outcome == "failed" and last.actor == settings.actor:
                at = last.at if last.at.tzinfo else last.at.replace(tzinfo=UTC)
                if at >= started:
                    return  # the service recorded this failure itself
            audit.append(
                session,
                actor=settings.actor,
                action=f"cli.{command.replace('_', '-')}",
                subject=_safe_text(subject),
                outcome="failed",
                details={
                    "exit_code": error.exit_code,
                    "error": error.code,
                    "type": type(exc).__name__,
                    "detail": _safe_text(error.message),
                },
            )
    except Exception:  # noqa: S110 - best effort: the failure is already reported
        pass
    finally:
        engine.dispose()


def _settings() -> Settings:
    return get_settings()


def _db() -> Database:
    return open_database(_settings(), actor=_settings().actor)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


# --------------------------------------------------------------------------------- lists
@lists_app.command("load")
@handle_errors
def lists_load(
    files: Annotated[list[Path], typer.Argument(help="The list file(s); OFAC: sdn + alt + add.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csl|ofac|un|ftm|custom|nsfreg|dpl|uk (default: detect)"),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Source name (default from the format).")
    ] = None,
    allow_truncated: Annotated[
        bool,
        typer.Option(help="CSL: drop a cut-off last record instead of refusing the file."),
    ] = False,
    allow_rollback: AllowRollback = False,
    allow_shrink: AllowShrink = False,
    allow_partial: AllowPartial = False,
    as_json: JsonOpt = False,
) -> None:
    """Load list files as a new version of their source (only if the content changed).

    Refused (exit 2, active version unchanged) unless the named flag is given: content or
    entries equal to an earlier version, or an older publication (--allow-rollback); more than
    2% of the active entries, aliases or addresses lost, or the active version's last entries
    removed (a cut-off file) (--allow-shrink); a partial file set or a record-count mismatch
    (--allow-partial). An accepted load names the entries it removed.
    """
    from compliance.errors import ListGuardError
    from compliance.lists.service import ListService, LoadPolicy
    from compliance.lists.versions import display_text

    settings = _settings()
    db = _db()
    policy = LoadPolicy(
        allow_rollback=allow_rollback,
        allow_shrink=allow_shrink,
        allow_partial=allow_partial,
        max_removed_share=settings.max_removed_share,
    )
    try:
        result = ListService(db.sessions, actor=settings.actor).load(
            files, fmt=fmt, source=source, allow_truncated=allow_truncated, policy=policy
        )
    except ComplianceError as exc:
        if as_json and isinstance(exc, ListGuardError):
            _print_json(exc.to_dict())
        # printed as plain text: list names and file names may hold "[...]"
        err.print(Text.assemble(("error", "bold red"), f": {exc.message}"), soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted; the active version is unchanged", highlight=False)
        raise typer.Exit(3) from None
    if as_json:
        _print_json(result.to_dict())
        return
    name = display_text(result.source)
    if result.status == "unchanged":
        out.print(
            f"{name}: unchanged; the content equals active version {result.seq} "
            f"({result.content_sha256[:19]}...); no new version.",
            markup=False,
            highlight=False,
        )
    elif result.status == "reactivated":
        out.print(
            f"{name}: content equals earlier version {result.seq}; re-activated it "
            f"(was version {result.previous_seq}).",
            markup=False,
            highlight=False,
        )
    else:
        out.print(
            f"{name}: loaded version {result.seq} ({result.format}, "
            f"{result.content_sha256[:19]}...): {result.entry_count} entries, "
            f"{result.alias_count} aliases ({result.name_count} names in all), "
            f"{result.address_count} addresses.",
            markup=False,
            highlight=False,
        )
        if result.diff_counts:
            c = result.diff_counts
            out.print(
                f"  against version {result.previous_seq}: +{c['added']} added, "
                f"-{c['removed']} removed, ~{c['changed']} changed, {c['unchanged']} unchanged.",
                highlight=False,
            )
    _print_removed(result.removed)
    for problem in result.problems:
        line = f" (line {problem['line']})" if problem.get("line") else ""
        out.print(
            Text.assemble(
                ("  note", "yellow"),
                f" {problem['kind']} x{problem['count']}{line}: {problem['message']}",
            ),
            highlight=False,
        )


_SHOWN_REMOVED = 20


def _print_removed(removed: tuple[dict[str, str], ...]) -> None:
    """Name the entries an accepted load or update removed (20 at most; --json names all)."""
    if not removed:
        return
    shown = "; ".join(f"{r['name']} (key {r['key']})" for r in removed[:_SHOWN_REMOVED])
    more = len(removed) - _SHOWN_REMOVED
    out.print(
        f"  removed {len(removed)}: {shown}" + (f" ... and {more} more" if more > 0 else ""),
        markup=False,
        highlight=False,
    )


@lists_app.command("status")
@handle_errors
def lists_status(as_json: JsonOpt = False) -> None:
    """Each source's active version, content hash, load time and counts."""
    from compliance.lists.service import ListService
    from compliance.store.audit import head

    db = _db()
    rows = ListService(db.sessions).status()
    with db.sessions() as session:
        audit_head = head(session)
    if as_json:  # the audit head is global; each source row repeats it (the list shape stays)
        _print_json([{**r.to_dict(), "audit": audit_head.to_dict()} for r in rows])
        return
    table = Table(
        "source",
        "format",
        "active",
        "versions",
        "sha256",
        "loaded at (UTC)",
        "published",
        "entries",
        "aliases",
        "addresses",
        "notes",
    )
    for r in rows:
        table.add_row(
            r.source,
            r.format,
            str(r.active_seq) if r.active_seq else "[red]none[/]",
            str(r.versions),
            (r.content_sha256 or "")[7:19],
            r.loaded_at.strftime("%Y-%m-%d %H:%M:%S") if r.loaded_at else "",
            r.published or "",
            str(r.entry_count),
            str(r.alias_count),
            str(r.address_count),
            str(r.problems) if r.problems else "",
        )
    out.print(table)
    line = f"audit log: {audit_head.seq} rows, head {audit_head.row_hash}"
    if audit_head.anchored:
        out.print(line + " (matches its anchor)", highlight=False, soft_wrap=True)
    else:
        err.print(
            Text.assemble(
                (f"{line}: does NOT match its anchor", "bold red"),
                f" (anchor: {audit_head.anchor_count} rows, head {audit_head.anchor_head}); "
                "run compliance audit verify",
            ),
            highlight=False,
            soft_wrap=True,
        )


@lists_app.command("diff")
@handle_errors
def lists_diff(
    source: Annotated[str, typer.Argument(help="Source name, as in `lists status`.")],
    from_seq: Annotated[int | None, typer.Option("--from", help="Older version number.")] = None,
    to_seq: Annotated[
        int | None, typer.Option("--to", help="Newer version (default: active).")
    ] = None,
    as_json: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="Rows per section in the table view.")] = 50,
) -> None:
    """Added, removed and changed entries between two versions (by stable key and content hash)."""
    from compliance.lists.service import ListService

    diff = ListService(_db().sessions).diff(source, from_seq, to_seq)
    if as_json:
        _print_json(diff.to_dict())
        return
    meta = diff.meta
    c = diff.counts()
    out.print(
        f"{source}: version {meta['from']['version']} -> {meta['to']['version']}: "
        f"+{c['added']} added, -{c['removed']} removed, ~{c['changed']} changed, "
        f"{c['unchanged']} unchanged"
    )
    table = Table("change", "key", "name", "fields / hash")
    for e in diff.added[:limit]:
        table.add_row("[green]added[/]", e.key, e.name, e.content_hash[7:19])
    for e in diff.removed[:limit]:
        table.add_row("[red]removed[/]", e.key, e.name, e.content_hash[7:19])
    for ch in diff.changed[:limit]:
        table.add_row("[yellow]changed[/]", ch.key, ch.name, ", ".join(ch.fields))
    if table.row_count:
        out.print(table)
    hidden = sum(max(0, n - limit) for n in (c["added"], c["removed"], c["changed"]))
    if hidden:
        out.print(f"({hidden} more rows; use --json for all)")


@lists_app.command("update")
@handle_errors
def lists_update(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="us-csl, us-ofac-sdn (default: all)")
    ] = None,
    allow_rollback: AllowRollback = False,
    allow_shrink: AllowShrink = False,
    allow_partial: AllowPartial = False,
    as_json: JsonOpt = False,
) -> None:
    """Download the official list files (URLs from COMPLIANCE_*_URL) and load them.

    Exit 3 when any source was not updated (download failed or a guard refused it: the active
    version is unchanged); exit 2 for an unknown --source. The guards are those of
    ``lists load``; an accepted update names the entries it removed.
    """
    import signal
    import threading
    from types import FrameType

    from compliance.errors import ListGuardError, UnknownSourceError
    from compliance.lists.service import ListService
    from compliance.lists.update import official_sources, update_source

    settings = _settings()
    known = official_sources(settings)
    names = source or sorted(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownSourceError(
            f"no official download for {', '.join(map(repr, unknown))}; known: "
            f"{', '.join(sorted(known))}"
        )
    service = ListService(_db().sessions, actor=settings.actor)

    def _terminate(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # so temporary files are removed and the attempt audited

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    results = []
    failed = False
    try:
        for name in names:
            try:
                result = update_source(
                    service,
                    settings,
                    name,
                    allow_shrink=allow_shrink,
                    allow_rollback=allow_rollback,
                    allow_partial=allow_partial,
                )
            except ComplianceError as exc:
                failed = True
                err.print(
                    Text.assemble((f"{name}: not updated", "bold red"), f": {exc.message}"),
                    highlight=False,
                )
                status = "refused" if isinstance(exc, ListGuardError) else "failed"
                results.append({"source": name, "status": status, **exc.to_dict()})
                continue
            results.append(result.to_dict())
            if not as_json:
                out.print(
                    f"{name}: {result.status}, version {result.seq}, {result.entry_count} entries",
                    highlight=False,
                )
                _print_removed(result.removed)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: temporary files are gone, attempt audited
        err.print("interrupted; the active version is unchanged", highlight=False)
        raise typer.Exit(3) from None
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    if as_json:
        _print_json(results)
    if failed:
        raise typer.Exit(3)


@lists_app.command("activate")
@handle_errors
def lists_activate(
    source: Annotated[str, typer.Argument()],
    version: Annotated[int, typer.Option("--version", help="Version number to make active.")],
) -> None:
    """Make an earlier (or later) version of a source the active one."""
    from compliance.lists.service import ListService

    ListService(_db().sessions, actor=_settings().actor).activate(source, version)
    out.print(f"{source}: version {version} is now active.")


@lists_app.command("deactivate")
@handle_errors
def lists_deactivate(source: Annotated[str, typer.Argument()]) -> None:
    """Stop screening against a source (its versions are kept; `activate` brings it back)."""
    from compliance.lists.service import ListService

    ListService(_db().sessions, actor=_settings().actor).deactivate(source)
    out.print(f"{source}: no active version; it is not screened against.")


# ------------------------------------------------------------------------------- screen
class Kind(StrEnum):
    customers = "customers"
    data_centres = "data-centres"


class FailOn(StrEnum):
    review = "review"
    license_required = "license_required"
    prohibited = "prohibited"


def _ruleset() -> Ruleset:
    from compliance.rules import load_ruleset, rule_dirs

    return load_ruleset(rule_dirs(_settings().rules_dir))


def _context(
    as_of: datetime | None,
    threshold: float | None,
    graph: OwnershipGraph | None = None,
    ruleset: Ruleset | None = None,
    standing_decisions: bool = True,
) -> ScreeningContext:
    from compliance.services.screening import open_screening

    settings = _settings()
    if ruleset is None:
        ruleset = _ruleset()  # a bad rule file stops here, before any screening
    return open_screening(
        _db().sessions,
        settings.home / "cache",
        as_of=as_of.date() if as_of else date.today(),
        threshold=threshold,
        ruleset=ruleset,
        graph=graph,
        standing_decisions=standing_decisions,
    )


AsOf = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Screen as of this date (default today)."),
]
Threshold = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Review threshold (default from the weights, 0.80)."),
]


@app.command("screen")
@handle_errors
def screen(
    input_file: Annotated[Path, typer.Argument(metavar="INPUT", help="Customers CSV or JSONL.")],
    kind: Annotated[Kind, typer.Option("--kind")] = Kind.customers,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="FILE.jsonl | .csv | .xlsx (default: stdout)")
    ] = None,
    as_of: AsOf = None,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="Exit 1 if any decision is this or worse.")
    ] = None,
    threshold: Threshold = None,
    workers: Annotated[int, typer.Option(min=0, help="Processes (0 = CPU count).")] = 0,
    no_store: Annotated[
        bool,
        typer.Option("--no-store", help="Dry run: decide, write the output, store nothing."),
    ] = False,
) -> None:
    """Screen a file of customers (or data centres) against every active list version and
    the rules in force on --as-of. Every decision is stored (with its matches, rule hits and
    provenance) and every decision that is not clear opens or updates a case in the review
    queue, unless --no-store."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from compliance.batch import count_lines, run_batch, run_data_centres

    if not input_file.is_file():
        raise BadInputError(f"{input_file}: no such file")
    if out_file is not None and out_file.suffix.lower() not in (".jsonl", ".csv", ".xlsx"):
        raise BadInputError(f"{out_file}: --out must end in .jsonl, .csv or .xlsx")
    ruleset = _ruleset()  # a bad rule file stops here, before the input is read at all
    graph = _ownership_graph(input_file) if kind is Kind.customers else None
    recorder: RunRecorder | None = None
    try:
        ctx = _context(as_of, threshold, graph, ruleset)
        n_workers = workers or min(os.cpu_count() or 1, 8)
        meta = {
            "input": str(input_file),
            "kind": kind.value,
            "list_versions": ctx.list_versions,
            "ruleset_version": ctx.ruleset_version,
            "threshold": ctx.effective_threshold,
            "as_of": ctx.as_of.isoformat(),
        }

        if not no_store:
            from compliance.services.screening import RunRecorder

            recorder = RunRecorder(
                _db().sessions,
                ctx,
                actor=_settings().actor,
                command="screen",
                kind=kind.value,
                input_name=input_file.name,
            )

        def write(results: Iterable[Decision]) -> int:
            if recorder is not None:
                results = recorder.record(results)
            if out_file is None:
                count = 0
                for result in results:
                    sys.stdout.write(result.json_text() + "\n")
                    count += 1
                return count
            from compliance.export.writers import write_results

            return write_results(results, out_file, meta=meta)

        total = count_lines(input_file)
        with Progress(
            TextColumn("screening"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=err,
            disable=total < 2000 or not err.is_terminal,
        ) as progress:
            task = progress.add_task("screen", total=total)
            if kind is Kind.data_centres:
                summary = run_data_centres(
                    input_file, ctx, write, on_progress=lambda n: progress.advance(task, n)
                )
            else:
                summary = run_batch(
                    input_file,
                    ctx,
                    write,
                    workers=n_workers,
                    on_progress=lambda n: progress.advance(task, n),
                    start_method=_settings().worker_start,
                    spec=_worker_spec(ctx, input_file) if n_workers > 1 else None,
                )
    finally:
        if graph is not None:
            graph.close()  # its spill file, if any, goes now, not at exit
    decisions = ", ".join(f"{k} {v}" for k, v in sorted(summary.decisions.items()))
    err.print(
        f"screened {summary.records} records ({decisions or 'none'}); "
        f"{summary.errors} rejected rows" + (f"; wrote {out_file}" if out_file else ""),
        highlight=False,
    )
    if recorder is not None:
        run = recorder.finish()
        err.print(
            f"stored run {run['run_id']}: {run['stored']} new screenings, {run['reused']} "
            f"already stored; cases: {run['cases_opened']} opened, {run['cases_updated']} "
            "updated (compliance review list)",
            highlight=False,
        )
    # Exit precedence: 3 operational (raised above) > 1 finding > 2 rejected rows > 0.
    if fail_on is not None:
        floor = Outcome(fail_on.value).rank
        found = sum(n for d, n in summary.decisions.items() if Outcome(d).rank >= floor)
        if found:
            err.print(
                f"--fail-on {fail_on.value}: {found} records at or above {fail_on.value}"
                + (f" (and {summary.errors} rejected rows)" if summary.errors else ""),
                highlight=False,
            )
            raise typer.Exit(1)
    if summary.errors:
        raise typer.Exit(2)


def _worker_spec(ctx: ScreeningContext, input_file: Path) -> ContextSpec | None:
    """What a spawned worker rebuilds the context from (None with fork: not needed)."""
    settings = _settings()
    if settings.worker_start == "fork":
        return None
    from compliance.rules import rule_dirs
    from compliance.services.workers import spec_for

    return spec_for(
        ctx,
        database_url=settings.effective_database_url,
        cache_dir=settings.home / "cache",
        rule_dirs=rule_dirs(settings.rules_dir),
        ownership_input=input_file,
    )


def _ownership_graph(path: Path) -> OwnershipGraph:
    """The batch's records that name owners or parents, so ownership chains through other
    records of the same file can be followed (one extra read of the file). A large graph is
    spilled to a temporary file, so memory stays flat in the file's length."""
    from compliance.ownership import OwnershipGraph
    from compliance.records import iter_customers

    return OwnershipGraph(r.party for r in iter_customers(path) if r.party is not None)


@app.command("screen-name")
@handle_errors
def screen_name(
    name: Annotated[str, typer.Argument(help="The name to check.")],
    country: Annotated[str | None, typer.Option(help="ISO code or English name.")] = None,
    person: Annotated[bool, typer.Option("--person", help="The name is a person's.")] = False,
    service: Annotated[
        str | None, typer.Option(help="What is sold, e.g. advanced_compute, general_cloud.")
    ] = None,
    as_of: AsOf = None,
    threshold: Threshold = None,
    as_json: JsonOpt = False,
) -> None:
    """Quick single check: prints the decision and every match with its explanation."""
    from compliance.countries import to_iso2
    from compliance.model import EntityType, Party
    from compliance.screening import screen_party

    iso = to_iso2(country) if country else None
    if country and iso is None:
        raise BadInputError(f"--country {country!r} is not a country I know")
    # A name typed in is no stored party: no reviewer's decision on a record applies to it.
    ctx = _context(as_of, threshold, standing_decisions=False)
    party = Party(
        id="screen-name",
        name=name,
        country=iso,
        entity_type=EntityType.PERSON if person else EntityType.UNKNOWN,
        service=service,
    )
    result = screen_party(party, ctx).to_dict()
    if as_json:
        _print_json(result)
        return
    out.print(f"{name}: decision {result['decision']}", highlight=False, markup=False)
    for m in result["matches"]:
        out.print(
            f"  {m['score']:.2f}  {m['list']} {m['program']} {m['entry_id']}: {m['entry_name']}"
            f"  (matched {m['matched_kind']} '{m['matched_name']}'; {m['status']})",
            highlight=False,
            markup=False,
        )
        for fname, feat in m["features"].items():
            out.print(
                f"        {fname} {feat['score']:+.2f}: {feat['detail']}",
                highlight=False,
                markup=False,
            )
    for hit in result["rule_hits"]:
        out.print(
            f"  rule {hit['rule_id']} -> {hit['outcome']} ({hit['basis']}; {hit['citation']})",
            highlight=False,
            markup=False,
        )
        out.print(f"        {hit['reason']}", highlight=False, markup=False)


# --------------------------------------------------------------------------------- rules
def _rules_dirs(directory: Path | None) -> list[Path]:
    from compliance.rules import rule_dirs

    return rule_dirs(directory if directory is not None else _settings().rules_dir)


RulesDir = Annotated[
    Path | None,
    typer.Argument(
        help="An operator rules directory laid over the shipped rules "
        "(default: COMPLIANCE_RULES_DIR, else the shipped rules alone)."
    ),
]


@rules_app.command("check")
@handle_errors
def rules_check(directory: RulesDir = None, verbose: bool = False) -> None:
    """Validate every rule file and run the known-answer cases beside them.

    Exit 2 if a file is invalid (every problem is listed with file, line and field), 1 if a
    known-answer case fails, 0 otherwise."""
    from compliance.rules import load_ruleset
    from compliance.rules.cases import run_all

    dirs = _rules_dirs(directory)
    ruleset = load_ruleset(dirs)
    results = run_all(ruleset, dirs)
    failed = [r for r in results if r.failed]
    changed = [r for r in results if r.changed_by_overlay]
    for r in results if verbose else [*changed, *failed]:
        out.print(r.describe(), highlight=False, soft_wrap=True, markup=False)
    files = ", ".join(sorted(ruleset.files))
    out.print(
        f"{len(ruleset.rules())} rules in {len(ruleset.files)} files ({files}) plus "
        f"{len(ruleset.groups.groups)} country groups: valid. Version {ruleset.version}.",
        highlight=False,
    )
    out.print(
        f"known-answer cases: {len(results) - len(failed) - len(changed)}/{len(results)} pass"
        + (f", {len(changed)} changed by your own rule files" if changed else "")
    )
    if failed:
        raise typer.Exit(1)


@rules_app.command("list")
@handle_errors
def rules_list(as_of: AsOf = None, as_json: JsonOpt = False) -> None:
    """Every rule with its outcome, citation and status on --as-of (default today)."""
    from compliance.rules.engine import rule_status

    ruleset = _ruleset()
    when = as_of.date() if as_of else date.today()
    rows: list[dict[str, str]] = [
        {
            "id": rule.id,
            "file": name,
            "outcome": rule.outcome.value,
            "basis": rule.basis or ruleset.files[name].file.basis,
            "status": rule_status(rule, ruleset.files[name].file.enabled, when),
            "verified": "yes" if rule.verified else "no",
            "citation": rule.citation,
        }
        for name, rule in ruleset.rules()
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "outcome", "basis", "status", "verified", "citation")
    for r in rows:
        table.add_row(*(Text(r[k]) for k in ("id", "outcome", "basis", "status", "verified")),
                      Text(r["citation"]))  # fmt: skip
    out.print(table)


@rules_app.command("explain")
@handle_errors
def rules_explain(
    rule_id: Annotated[str, typer.Argument(metavar="RULE_ID")], as_of: AsOf = None
) -> None:
    """Print one rule in plain language: what it tests, what it decides, its citation and
    whether it is in force on --as-of."""
    from compliance.rules.engine import describe_condition, rule_status

    ruleset = _ruleset()
    found = ruleset.rule(rule_id)
    if found is None:
        known = ", ".join(r.id for _, r in ruleset.rules())
        raise BadInputError(f"no rule {rule_id!r}; known rules: {known}")
    name, rule = found
    rule_file = ruleset.files[name]
    when = as_of.date() if as_of else date.today()
    basis = rule.basis or rule_file.file.basis
    window = f"from {rule.effective_from}" + (
        f" to {rule.effective_to}" if rule.effective_to else ""
    )
    lines = [
        f"{rule.id}: {rule.title}",
        f"  outcome:   {rule.outcome.value} ({'LAW' if basis == 'law' else 'POLICY, not law'})",
        f"  citation:  {rule.citation}",
        f"  source:    {rule.source_url}",
        f"  verified:  {'yes' if rule.verified else 'NO: not checked against a primary source'}",
        f"  in effect: {window}",
        *(f"  suspended: {w.from_} to {w.to} ({w.citation})" for w in rule.suspended),
        f"  status on {when}: {rule_status(rule, rule_file.file.enabled, when)}",
        f"  applies to: {', '.join(rule.applies_to)}",
        f"  file:      {ruleset.sources[name]}",
        "  fires when:",
        *(f"    {line}" for line in describe_condition(rule.when)),
        f"  reason:    {rule.reason}",
    ]
    if rule.note:
        lines.append(f"  note:      {rule.note}")
    out.print("\n".join(lines), highlight=False, soft_wrap=True, markup=False)


@app.command("rescreen")
@handle_errors
def rescreen_cmd(
    full: Annotated[
        bool, typer.Option("--full", help="Screen every stored party again, not only the delta.")
    ] = False,
    as_of: AsOf = None,
    threshold: Threshold = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-screen stored parties after a list change: by default only those that could meet an
    added or changed entry (new hits open cases; removed entries are noted on open cases)."""
    from compliance.services.rescreen import rescreen

    ctx = _context(as_of, threshold)
    settings = _settings()
    result = rescreen(
        _db().sessions, ctx, full=full, actor=settings.actor, cache_dir=settings.home / "cache"
    )
    if as_json:
        _print_json(result.to_dict())
        return
    err.print(
        f"{'full' if full else 'delta'} re-screen: {result.parties} stored parties, "
        f"{result.changed_entries} added or changed entries, {result.removed_entries} removed; "
        f"screened {result.screened}; {len(result.changes)} with changed hits or decision; "
        f"{result.removed_noted} case matches noted as removed",
        highlight=False,
    )
    for c in result.changes:
        line = f"{c['kind']} {c['record_id']}: {c['decision_before']} -> {c['decision']}"
        if c["new_hits"]:
            line += f"; new hits {', '.join('/'.join(k) for k in c['new_hits'])}"
        if c["gone_hits"]:
            line += f"; gone {', '.join('/'.join(k) for k in c['gone_hits'])}"
        out.print("  " + _safe_text(line), highlight=False, markup=False)


# -------------------------------------------------------------------------------- review
CaseId = Annotated[int, typer.Argument(metavar="CASE", help="The case number.")]
Rationale = Annotated[str, typer.Option("--rationale", help="Why (recorded; required).")]
MatchOpt = Annotated[
    int | None, typer.Option("--match", help="The match id (when the case has several).")
]
VersionOpt = Annotated[
    int | None,
    typer.Option("--version", help="The case version you decided on: refuse if it changed."),
]


def _older_than(text: str | None) -> timedelta | None:
    if text is None:
        return None
    found = re.fullmatch(r"(\d+)([dh])", text.strip())
    if found is None:
        raise BadInputError(f"--older-than {text!r}: give days or hours, e.g. 7d or 12h")
    n = int(found.group(1))
    return timedelta(days=n) if found.group(2) == "d" else timedelta(hours=n)


@review_app.command("list")
@handle_errors
def review_list(
    status: Annotated[
        str | None, typer.Option(help="open (not closed), escalated or closed; default open.")
    ] = "open",
    outcome: Annotated[str | None, typer.Option(help="review, license_required...")] = None,
    list_code: Annotated[
        str | None, typer.Option("--list", help="A list code (EL, SDN) or source name.")
    ] = None,
    min_score: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
    older_than: Annotated[
        str | None, typer.Option(help="Opened at least this long ago: 7d, 12h.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The review queue, oldest case first."""
    from compliance.services.review import list_cases

    if status is not None and status not in ("open", "escalated", "closed", "all"):
        raise BadInputError(f"--status {status!r}: use open, escalated, closed or all")
    age = _older_than(older_than)
    with _db().sessions() as session:
        cases = list_cases(
            session,
            status=None if status == "all" else status,
            outcome=outcome,
            list_code=list_code,
            min_score=min_score,
            older_than=age,
        )
    if as_json:
        _print_json(cases)
        return
    if not cases:
        out.print("no cases", highlight=False)
        return
    table = Table("case", "status", "outcome", "party", "open", "pending", "top score", "lists")
    for c in cases:
        party = c["party"]
        table.add_row(
            str(c["case_id"]), c["status"], c["outcome"],
            Text(_safe_text(f"{party['record_id']} {party['name']}")), str(c["open_matches"]),
            str(c["pending"]), "" if c["top_score"] is None else f"{c['top_score']:.2f}",
            Text(_safe_text(", ".join(c["lists"]))),
        )  # fmt: skip
    out.print(table)


@review_app.command("show")
@handle_errors
def review_show(case_id: CaseId, as_json: JsonOpt = False) -> None:
    """A case: its party, matches (with ids for --match), review history and latest decision."""
    from compliance.services.review import show_case

    with _db().sessions() as session:
        case = show_case(session, case_id)
    if as_json:
        _print_json(case)
        return
    party = case["party"]
    lines = [
        f"case {case['case_id']} ({case['status']}, version {case['version']}): "
        f"{party['kind']} {party['record_id']} {party['name']}; decision {case['outcome']}",
        f"  opened {case['opened_at']}; latest screening {case['latest_screening_id']}",
    ]
    for m in case["matches"]:
        lines.append(
            f"  match {m['match_id']} [{m['state']}] {m['score']:.2f} {m['list']} {m['program']} "
            f"{m['entry_id']}: {m['entry_name']} (matched '{m['matched_name']}')"
            + (f"; {m['note']}" if m["note"] else "")
        )
    for hit in (case["latest_decision"] or {}).get("rule_hits", []):
        lines.append(f"  rule {hit['rule_id']} -> {hit['outcome']} ({hit['citation']})")
    for e in case["events"]:
        lines.append(
            f"  {e['at']} {e['actor']} ({e['role']}): {e['action']}"
            + (f" match {e['match_id']}" if e["match_id"] else "")
            + f" [{e['state']}] {e['rationale']}"
            + (f" (expires {e['expires']})" if e["expires"] else "")
            + (
                f"; {e['state']} by {e['decided_by']}: {e['decided_rationale']}"
                if e["decided_by"]
                else ""
            )
        )
    # names, rationales and list text are untrusted: one printable line each
    out.print("\n".join(map(_safe_text, lines)), highlight=False, markup=False, soft_wrap=True)


def _act(
    case_id: int,
    action: str,
    rationale: str,
    *,
    match_id: int | None = None,
    event_id: int | None = None,
    expires: date | None = None,
    version: int | None = None,
    as_json: bool = False,
) -> None:
    from compliance.review import Action
    from compliance.services.review import Reviewer, act

    settings = _settings()
    with _db().sessions.begin() as session:
        result = act(
            session, case_id, Action(action), Reviewer(settings.actor, settings.role), rationale,
            match_id=match_id, event_id=event_id, expires=expires, expected_version=version,
            four_eyes_score=settings.four_eyes_score,
        )  # fmt: skip
    if as_json:
        _print_json(result)
        return
    what = f"{action}" + (f" match {result['match_id']}" if result["match_id"] else "")
    if result["state"] == "pending":
        what += ": pending a second reviewer's approval (four-eyes)"
    out.print(
        _safe_text(
            f"case {case_id}: {what}; case {result['case_status']} "
            f"(version {result['case_version']})"
        ),
        highlight=False,
        markup=False,
    )


@review_app.command("confirm")
@handle_errors
def review_confirm(
    case_id: CaseId, rationale: Rationale, match: MatchOpt = None, version: VersionOpt = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Confirm a match is this party: the list's outcome applies from now on. On a case with
    no match (rules only), confirm acknowledges the rules' outcome and closes it."""
    _act(case_id, "confirm", rationale, match_id=match, version=version, as_json=as_json)


@review_app.command("clear")
@handle_errors
def review_clear(
    case_id: CaseId,
    rationale: Rationale,
    match: MatchOpt = None,
    expires: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The clearance lapses after this day."),
    ] = None,
    version: VersionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Clear a match as a false positive: it stays cleared on later screenings until the
    party's identifying fields or the list entry change, or it expires."""
    _act(
        case_id, "clear", rationale, match_id=match, version=version, as_json=as_json,
        expires=expires.date() if expires else None,
    )  # fmt: skip


@review_app.command("escalate")
@handle_errors
def review_escalate(
    case_id: CaseId, rationale: Rationale, version: VersionOpt = None, as_json: JsonOpt = False
) -> None:
    """Escalate the case (to a senior reviewer or counsel)."""
    _act(case_id, "escalate", rationale, version=version, as_json=as_json)


@review_app.command("comment")
@handle_errors
def review_comment(case_id: CaseId, rationale: Rationale, as_json: JsonOpt = False) -> None:
    """Add a comment (the rationale is the comment)."""
    _act(case_id, "comment", rationale, as_json=as_json)


EventOpt = Annotated[
    int | None, typer.Option("--event", help="The pending action's event id (if several).")
]


@review_app.command("approve")
@handle_errors
def review_approve(
    case_id: CaseId, rationale: Rationale, event: EventOpt = None, as_json: JsonOpt = False
) -> None:
    """Approve an action waiting for a second reviewer (not your own)."""
    _act(case_id, "approve", rationale, event_id=event, as_json=as_json)


@review_app.command("reject")
@handle_errors
def review_reject(
    case_id: CaseId, rationale: Rationale, event: EventOpt = None, as_json: JsonOpt = False
) -> None:
    """Reject an action waiting for a second reviewer (not your own): it never takes effect."""
    _act(case_id, "reject", rationale, event_id=event, as_json=as_json)


# --------------------------------------------------------------------------------- audit
@audit_app.command("verify")
@handle_errors
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(help="A head hash recorded earlier: the chain must still contain it."),
    ] = None,
    expect_count: Annotated[
        int | None,
        typer.Option(help="With --expect-head: the row number that head had (its count)."),
    ] = None,
    all_versions: Annotated[
        bool, typer.Option(help="Check every stored list version, not only the active ones.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Recompute the audit log's hash chain, check it against its anchor (and a recorded head),
    and check every active list version's entries against their load-time hashes, and the
    version's digest, counts and content hash against the audit row that recorded its load;
    check the stored decisions, review events and suppressions against the audit events that
    sealed them; exit 3 if anything does not verify."""
    from compliance.store.audit import verify_chain
    from compliance.store.decision_integrity import verify_decisions
    from compliance.store.integrity import verify_versions

    if expect_count is not None and expect_head is None:
        raise BadInputError("--expect-count needs --expect-head")
    if expect_count is not None and expect_count < 1:
        raise BadInputError("--expect-count must be 1 or more")
    if expect_head is not None:
        bare = expect_head.strip().lower().removeprefix("sha256:")
        if len(bare) != 64 or any(c not in "0123456789abcdef" for c in bare):
            raise BadInputError("--expect-head must be a 64-digit hex hash (as audit verify shows)")
    with _db().sessions() as session:
        report = verify_chain(session, expect_head=expect_head, expect_count=expect_count)
        checks = verify_versions(session, all_versions=all_versions)
        decisions = verify_decisions(session)
    ok = report.ok and all(c.ok for c in checks) and decisions.ok
    if as_json:
        _print_json(
            {
                "ok": ok,
                "audit": report.to_dict(),
                "lists": [c.to_dict() for c in checks],
                "decisions": decisions.to_dict(),
            }
        )
        if not ok:
            raise typer.Exit(3)
        return
    if report.ok:
        out.print(
            f"audit log OK: {report.rows} rows, hash chain verified; anchored head "
            f"{report.head_hash} at count {report.rows}.",
            highlight=False,
            soft_wrap=True,
        )
        if expect_head is not None:
            out.print("  the recorded head is in the chain.", highlight=False)
        out.print(
            f"  record it elsewhere; later: compliance audit verify --expect-head "
            f"{report.head_hash} --expect-count {report.rows}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        where = f" at seq {report.first_bad_seq}" if report.first_bad_seq is not None else ""
        err.print(
            Text.assemble(("audit log BROKEN", "bold red"), f"{where}: {report.problem}"),
            highlight=False,
            soft_wrap=True,
        )
    kind = "stored" if all_versions else "active"
    if not checks:
        out.print(f"list content: no {kind} versions.")
    else:
        out.print(f"list content ({len(checks)} {kind} versions):")
    for check in checks:
        if check.ok:
            out.print(f"  OK {check.describe()}", highlight=False, soft_wrap=True, markup=False)
        else:
            err.print(  # entry names are untrusted text: never parsed as markup
                Text.assemble(("list content BROKEN", "bold red"), ": " + check.describe()),
                highlight=False,
                soft_wrap=True,
            )
    summary = (
        f"decisions: {decisions.runs} runs, {decisions.screenings} screenings, "
        f"{decisions.review_events} review events, {decisions.suppressions} suppressions"
    )
    if decisions.ok:
        out.print(f"{summary}: OK, as the audit log sealed them", highlight=False)
    else:
        err.print(
            Text.assemble(("decisions BROKEN", "bold red"), f" ({summary}):"),
            highlight=False,
            soft_wrap=True,
        )
        for line in decisions.problems:
            err.print(Text("  " + line), highlight=False, soft_wrap=True)
    if decisions.unsealed_runs:
        out.print(
            "  interrupted runs, not sealed in the audit log (their stored chunks are whole): "
            + ", ".join(map(str, decisions.unsealed_runs)),
            highlight=False,
        )
    if not ok:
        raise typer.Exit(3)


@audit_app.command("tail")
@handle_errors
def audit_tail(n: Annotated[int, typer.Option("-n")] = 20, as_json: JsonOpt = False) -> None:
    """The last N audit events."""
    from sqlalchemy import select

    from compliance.store.tables import AuditEvent

    with _db().sessions() as session:
        rows = list(
            reversed(
                session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(n)).all()
            )
        )
        data: list[dict[str, Any]] = [
            {
                "seq": r.seq,
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "subject": r.subject,
                "outcome": r.outcome,
                "details": r.details,
            }
            for r in rows
        ]
    if as_json:
        _print_json(data)
        return
    table = Table("seq", "at", "actor", "action", "subject", "outcome")
    for d in data:
        table.add_row(
            str(d["seq"]), str(d["at"])[:19], d["actor"], d["action"], d["subject"], d["outcome"]
        )
    out.print(table)


# ------------------------------------------------------------------------------------ db
@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Bring the schema to the newest revision (also done automatically on first use)."""
    from compliance.store.database import engine_for
    from compliance.store.session import ensure_schema, head_revision

    settings = _settings()
    engine = engine_for(settings)
    ran = ensure_schema(engine, lock_timeout=settings.db_busy_timeout_seconds)
    out.print(f"schema at {head_revision()}" + (" (upgraded)" if ran else " (already current)"))


@db_app.command("current")
@handle_errors
def db_current() -> None:
    """Print the database URL (password hidden) and its schema revision."""
    from compliance.store.database import engine_for
    from compliance.store.session import current_revision

    engine = engine_for(_settings())
    out.print(f"{engine.url.render_as_string(hide_password=True)}: {current_revision(engine)}")


def main() -> None:
    """The console entry point. A failure outside any command (start-up, argument handling)
    is mapped like one inside: exit 3 with a one-line message, never a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        _print_error("interrupted")
        sys.exit(130)
    except Exception as exc:  # last resort; commands map their own failures
        error = _as_error(exc, {})
        _print_error(error.message)
        sys.exit(error.exit_code)
