"""Delta re-screening: `compliance rescreen` over N stored customers after a list update that
changes 500 entries.

    python benchmarks/rescreen.py [--parties 1000000] [--changed 500] [--full-too]

Lists: the OFAC SDN (with aliases and addresses) and the CSL subset from ../shared. Parties:
speed.py's customer generator, each name made distinct with a made-up word (real customer
names are mostly distinct, and repeated names would flatter the normalizer's caches), stored
directly in the `parties` table as `compliance screen` stores them (same record fingerprint,
the active list versions as their baseline): screening a million customers first would take
most of the benchmark's time and measure something else. The update: the CSL file again with
`--changed` entries given a new alias (a one-letter variant of their name), loaded as its next
version. Then `compliance rescreen --json` is timed (a separate process: start-up included):
first with no index of the parties yet (it is built, segment by segment, and cached), then
after a second update of `--changed` entries (the steady state: a provider re-screens after
every list update, and the parties' index segments are read back; a segment is rebuilt only
when its parties were added or changed), then after a third that changes `--changed`
entries' remarks, not their names (every name of a changed entry is queried then: only an
entry whose names alone changed is queried with its new names). `--full-too` times
`compliance rescreen --full` on a copy of the store before the first re-screen and checks it
gives the same parties new hits.
Target (issue 11): 1,000,000 parties, 500 changed entries, under 60 s on this machine.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from speed import CSL, SDN, SHARED, _syllable_word, customers, load_lists  # noqa: E402

from compliance.screening import party_fingerprint  # noqa: E402


def _cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "compliance", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"compliance {' '.join(args[:2])} exited {done.returncode}: {done.stderr}")
    return time.perf_counter() - t, done.stdout


def _changed_csl(src: Path, dst: Path, n: int, seed: int, what: str = "alias") -> None:
    """``src`` with ``n`` entries changed: each given a new alias (a one-letter variant of its
    name: only that name is new to the parties), or (``what="remarks"``) new remarks (not a
    name: every name of the entry is queried again)."""
    rng = random.Random(seed)
    text = src.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    fields = list(rows[0])
    for row in rng.sample(rows, n):
        if what == "remarks":
            row["remarks"] = f"{row.get('remarks') or ''} (amended {seed})".strip()
            continue
        name = row["name"]
        k = rng.randrange(len(name))
        variant = name[:k] + name[k + 1 :]
        row["alt_names"] = "; ".join(filter(None, [row.get("alt_names", ""), variant]))
    with dst.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def _store_parties(env: dict[str, str], n: int, seed: int) -> None:
    from sqlalchemy import insert

    from compliance.jsontext import dumps
    from compliance.settings import Settings
    from compliance.store.database import open_database
    from compliance.store.repository import ListRepository
    from compliance.store.session import RawJSON
    from compliance.store.tables import PartyRow

    settings = Settings(home=Path(env["COMPLIANCE_HOME"]), load_demo_list=False)
    db = open_database(settings)
    rng = random.Random(seed)
    with db.sessions() as session:
        versions = {
            v.source.name: v.content_sha256 for v in ListRepository(session).active_versions()
        }
    now = datetime.now(UTC)
    parties = customers(n, load_lists(), seed)
    batch = []
    for p in parties:
        if rng.random() < 0.7:
            p = replace(p, name=f"{p.name} {_syllable_word(rng).title()}")
        # written as the store writes it (one serialiser: the parties' index segments are
        # stamped with the record text)
        record = RawJSON(dumps(party_fingerprint(p)))
        batch.append(
            {
                "kind": "customer", "record_key": p.id, "name": p.name,
                "identity_hash": "sha256:" + "0" * 64, "record": record, "first_seen_at": now,
                "last_screened_at": now, "last_screening_id": "0" * 32,
                "list_versions": RawJSON(dumps(versions)),
                "as_of": now.date().isoformat(),
            }
        )  # fmt: skip
        if len(batch) == 20_000:
            with db.sessions.begin() as session:
                session.execute(insert(PartyRow), batch)
            batch = []
    if batch:
        with db.sessions.begin() as session:
            session.execute(insert(PartyRow), batch)
    db.dispose()


def _print(what: str, seconds: float, report: dict[str, Any]) -> None:
    print(
        f"{what}: {seconds:.1f} s for {report['parties']:,} parties, "
        f"{report['changed_entries']} changed entries ({report['strategy']}); screened "
        f"{report['screened']:,}; {len(report['changes'])} parties with changed hits; "
        f"index segments {report['party_index']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parties", type=int, default=1_000_000)
    ap.add_argument("--changed", type=int, default=500)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--full-too", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        home = Path(tmp) / "home"
        env = {**os.environ, "COMPLIANCE_HOME": str(home), "COMPLIANCE_LOAD_DEMO_LIST": "false"}
        csl_v1 = Path(tmp) / "csl_v1.csv"
        lines = (SHARED / CSL).read_bytes().splitlines(keepends=True)
        csl_v1.write_bytes(b"".join(lines[:-1]))
        _cli(["lists", "load", *[str(SHARED / "ofac" / f) for f in SDN]], env)
        _cli(["lists", "load", str(csl_v1)], env)
        t = time.perf_counter()
        _store_parties(env, args.parties, args.seed)
        print(f"stored {args.parties:,} parties directly in {time.perf_counter() - t:.1f} s")
        csl_v2 = Path(tmp) / "csl_v2.csv"
        _changed_csl(csl_v1, csl_v2, args.changed, args.seed)
        _cli(["lists", "load", str(csl_v2)], env)
        _cli(["screen-name", "warm the index cache"], env)
        seconds, out = _cli(["rescreen", "--json"], env)
        report = json.loads(out)
        _print("delta rescreen, first update (the parties' index built)", seconds, report)
        # The next update: the parties' index is read back from the cache (steady state: a
        # provider re-screens after every list update).
        csl_v3 = Path(tmp) / "csl_v3.csv"
        _changed_csl(csl_v2, csl_v3, args.changed, args.seed + 1)
        _cli(["lists", "load", str(csl_v3)], env)
        _cli(["screen-name", "warm the index cache"], env)
        seconds, out = _cli(["rescreen", "--json"], env)
        _print("delta rescreen, next update (the parties' index cached)", seconds, json.loads(out))
        # ... and one that changes no name: every name of the changed entries is queried.
        csl_v4 = Path(tmp) / "csl_v4.csv"
        _changed_csl(csl_v3, csl_v4, args.changed, args.seed + 2, what="remarks")
        _cli(["lists", "load", str(csl_v4)], env)
        _cli(["screen-name", "warm the index cache"], env)
        if args.full_too:
            shutil.copytree(home, Path(tmp) / "twin")
        seconds, out = _cli(["rescreen", "--json"], env)
        report = json.loads(out)
        _print("delta rescreen, remarks changed (every name queried)", seconds, report)
        if args.full_too:
            twin_env = {**env, "COMPLIANCE_HOME": str(Path(tmp) / "twin")}
            seconds, out = _cli(["rescreen", "--full", "--json"], twin_env)
            full = json.loads(out)
            # The parties were stored, not screened: a full re-screen gives each its hits on
            # every entry as new. Those on the entries this update changed are what delta
            # must find.
            changed = _changed_keys(env)
            found, expected = _new_hits(report, changed), _new_hits(full, changed)
            print(
                f"full rescreen:  {seconds:.1f} s, screened {full['screened']:,}; "
                f"{len(expected)} parties with new hits on the {len(changed)} changed entries, "
                f"the same as delta's: {found == expected}"
            )
            for rid in sorted(set(found) | set(expected)):
                if found.get(rid) != expected.get(rid):
                    print(f"  {rid}: full {expected.get(rid)}, delta {found.get(rid)}")


def _changed_keys(env: dict[str, str]) -> set[tuple[str, str]]:
    """(source, key) of the entries the last list update added or changed."""
    from sqlalchemy import select

    from compliance.services.rescreen import delta
    from compliance.settings import Settings
    from compliance.store.database import open_database
    from compliance.store.tables import ListSource, ListVersion

    db = open_database(Settings(home=Path(env["COMPLIANCE_HOME"]), load_demo_list=False))
    with db.sessions() as session:
        last = session.scalars(select(ListVersion).order_by(ListVersion.id.desc())).first()
        assert last is not None
        source = session.get(ListSource, last.source_id)
        assert source is not None
        before = session.scalars(
            select(ListVersion).where(
                ListVersion.source_id == last.source_id, ListVersion.seq == last.seq - 1
            )
        ).one()
        change = delta(
            session, {source.name: before.content_sha256}, {source.name: last.content_sha256}
        )
    db.dispose()
    return {(src, e.key) for src, e in change.changed}


def _new_hits(
    report: dict[str, Any], keys: set[tuple[str, str]]
) -> dict[str, set[tuple[str, str]]]:
    out = {}
    for c in report["changes"]:
        hits = {(str(k[0]), str(k[1])) for k in c["new_hits"]} & keys
        if hits:
            out[str(c["record_id"])] = hits
    return out


if __name__ == "__main__":
    main()
