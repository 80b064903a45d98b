"""The ``compliance`` command. Thin: parse arguments, call a service, render the result."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.errors import BadInputError, ComplianceError
from compliance.model import Outcome
from compliance.settings import Settings, get_settings
from compliance.store.database import Database, open_database

if TYPE_CHECKING:
    from compliance.ownership import OwnershipGraph
    from compliance.rules import Ruleset
    from compliance.screening import ScreeningContext

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

# Piped or captured output gets a wide, stable layout instead of an 80-column squeeze.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

P = ParamSpec("P")
R = TypeVar("R")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn ComplianceError into a one-line message on stderr and its exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ComplianceError as exc:
            err.print(f"[bold red]error[/]: {exc.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


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
        typer.Option("--format", help="csl|ofac|un|ftm|custom|nsfreg|dpl (default: detect)"),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Source name (default from the format).")
    ] = None,
    allow_truncated: Annotated[
        bool,
        typer.Option(help="CSL: drop a cut-off last record instead of refusing the file."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load list files as a new version of their source (only if the content changed)."""
    from compliance.lists.service import ListService

    db = _db()
    result = ListService(db.sessions, actor=_settings().actor).load(
        files, fmt=fmt, source=source, allow_truncated=allow_truncated
    )
    if as_json:
        _print_json(result.to_dict())
        return
    if result.status == "unchanged":
        out.print(
            f"{result.source}: unchanged; the content equals active version {result.seq} "
            f"({result.content_sha256[:19]}...); no new version."
        )
    elif result.status == "reactivated":
        out.print(
            f"{result.source}: content equals earlier version {result.seq}; re-activated it "
            f"(was version {result.previous_seq})."
        )
    else:
        out.print(
            f"{result.source}: loaded version {result.seq} ({result.format}, "
            f"{result.content_sha256[:19]}...): {result.entry_count} entries, "
            f"{result.alias_count} aliases, {result.address_count} addresses."
        )
        if result.diff_counts:
            c = result.diff_counts
            out.print(
                f"  against version {result.previous_seq}: +{c['added']} added, "
                f"-{c['removed']} removed, ~{c['changed']} changed, {c['unchanged']} unchanged."
            )
    for problem in result.problems:
        line = f" (line {problem['line']})" if problem.get("line") else ""
        out.print(
            f"  [yellow]note[/] {problem['kind']} x{problem['count']}{line}: {problem['message']}",
            highlight=False,
        )


@lists_app.command("status")
@handle_errors
def lists_status(as_json: JsonOpt = False) -> None:
    """Each source's active version, content hash, load time and counts."""
    from compliance.lists.service import ListService

    rows = ListService(_db().sessions).status()
    if as_json:
        _print_json([r.to_dict() for r in rows])
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
    allow_shrink: Annotated[
        bool, typer.Option(help="Accept a new file much smaller than the active version.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Download the official list files (URLs from COMPLIANCE_*_URL) and load them."""
    from compliance.lists.service import ListService
    from compliance.lists.update import official_sources, update_source

    settings = _settings()
    service = ListService(_db().sessions, actor=settings.actor)
    names = source or sorted(official_sources(settings))
    results = []
    failed = False
    for name in names:
        try:
            result = update_source(service, settings, name, allow_shrink=allow_shrink)
        except ComplianceError as exc:
            failed = True
            err.print(f"[bold red]{name}: not updated[/]: {exc.message}", highlight=False)
            results.append({"source": name, "status": "failed", "error": exc.message})
            continue
        results.append(result.to_dict())
        if not as_json:
            out.print(
                f"{name}: {result.status}, version {result.seq}, {result.entry_count} entries"
            )
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
) -> ScreeningContext:
    from compliance.matching.engine import load_matcher
    from compliance.screening import ScreeningContext

    settings = _settings()
    if ruleset is None:
        ruleset = _ruleset()  # a bad rule file stops here, before any screening
    db = _db()
    loaded = load_matcher(db.sessions, settings.home / "cache")
    if not loaded.list_versions:
        raise BadInputError("no active list version: load a list first (compliance lists load)")
    when = as_of.date() if as_of else date.today()
    ctx = ScreeningContext(
        loaded.matcher,
        loaded.list_versions,
        when,
        threshold,
        ruleset_version=ruleset.version,
        rules=ruleset.compiled(when),
        graph=graph,
    )
    ctx.warm()
    return ctx


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
) -> None:
    """Screen a file of customers (or data centres) against every active list version and
    the rules in force on --as-of."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from compliance.batch import count_lines, run_batch, run_data_centres

    if not input_file.is_file():
        raise BadInputError(f"{input_file}: no such file")
    if out_file is not None and out_file.suffix.lower() not in (".jsonl", ".csv", ".xlsx"):
        raise BadInputError(f"{out_file}: --out must end in .jsonl, .csv or .xlsx")
    ruleset = _ruleset()  # a bad rule file stops here, before the input is read at all
    graph = _ownership_graph(input_file) if kind is Kind.customers else None
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

    def write(results: Iterable[dict[str, Any]]) -> int:
        if out_file is None:
            count = 0
            for result in results:
                sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
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
            )
    decisions = ", ".join(f"{k} {v}" for k, v in sorted(summary.decisions.items()))
    err.print(
        f"screened {summary.records} records ({decisions or 'none'}); "
        f"{summary.errors} rejected rows" + (f"; wrote {out_file}" if out_file else ""),
        highlight=False,
    )
    if summary.errors:
        raise typer.Exit(2)
    if fail_on is not None and summary.worst().rank >= Outcome(fail_on.value).rank:
        raise typer.Exit(1)


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
    ctx = _context(as_of, threshold)
    party = Party(
        id="screen-name",
        name=name,
        country=iso,
        entity_type=EntityType.PERSON if person else EntityType.UNKNOWN,
        service=service,
    )
    result = screen_party(party, ctx)
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


# --------------------------------------------------------------------------------- audit
@audit_app.command("verify")
@handle_errors
def audit_verify() -> None:
    """Recompute the audit log's hash chain; exit 3 if any row does not verify."""
    from compliance.store.audit import verify_chain

    with _db().sessions() as session:
        report = verify_chain(session)
    if report.ok:
        out.print(f"audit log OK: {report.rows} rows, hash chain verified.")
        return
    err.print(f"[bold red]audit log BROKEN[/] at seq {report.first_bad_seq}: {report.problem}")
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
    from compliance.store.session import ensure_schema, head_revision, make_engine

    engine = make_engine(_settings().effective_database_url)
    ran = ensure_schema(engine)
    out.print(f"schema at {head_revision()}" + (" (upgraded)" if ran else " (already current)"))


@db_app.command("current")
@handle_errors
def db_current() -> None:
    """Print the database URL (password hidden) and its schema revision."""
    from compliance.store.session import current_revision, make_engine

    engine = make_engine(_settings().effective_database_url)
    out.print(f"{engine.url.render_as_string(hide_password=True)}: {current_revision(engine)}")


def main() -> None:
    app()
