"""Index cache: load time and size of the authenticated cache file against the pickle it
replaced, on SDN + CSL + BIS Entity List from ../shared/data/lists, in the same run.

    python benchmarks/cache_load.py [--repeat 7]

The pickle is written as the earlier release wrote it (list entries pickled as their field
values through the constructor, the index through NameIndex.__getstate__) and read with
pickle.load; the cache file is read by the code `compliance screen` runs (a checked
directory, the key file, the MAC, the manifest, then the decode). Each load runs in a fresh
process, as `compliance screen` does (imports are not timed); the two kinds alternate so
both see the same machine load, and the median of each is printed.
"""

from __future__ import annotations

import argparse
import copyreg
import io
import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from speed import load_lists  # noqa: E402

from compliance.matching import engine  # noqa: E402
from compliance.matching.weights import DEFAULT_WEIGHTS  # noqa: E402
from compliance.model import Address, Alias, Identifier, ListEntry  # noqa: E402


def pickled(matcher: engine.Matcher) -> bytes:
    """The earlier release's cache file (engine._dump before the authenticated format)."""

    def as_fields(obj: Any) -> tuple[type[Any], tuple[Any, ...]]:
        return type(obj), tuple([getattr(obj, f.name) for f in fields(obj)])

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    table: dict[type[Any], Any] = dict(copyreg.dispatch_table)
    table.update(dict.fromkeys((ListEntry, Alias, Address, Identifier), as_fields))
    pickler.dispatch_table = table  # type: ignore[attr-defined]
    pickler.dump(matcher)
    return buf.getvalue()


LOAD_PICKLE = """
import pickle, sys, time
sys.path.insert(0, sys.argv[2])
import compliance.matching.engine
started = time.perf_counter()
with open(sys.argv[1], "rb") as fh:
    pickle.load(fh)
print(time.perf_counter() - started)
"""

LOAD_PICKLE_NO_GC = LOAD_PICKLE.replace("started =", "import gc; gc.disable(); started =")

LOAD_CACHE = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from compliance.matching import engine
from compliance.matching.weights import DEFAULT_WEIGHTS
versions = json.loads(sys.argv[3])
started = time.perf_counter()
disk = engine.DiskCache(Path(sys.argv[1]), versions, DEFAULT_WEIGHTS)
loaded = disk.read(DEFAULT_WEIGHTS)
elapsed = time.perf_counter() - started
assert loaded is not None, "cache file not used"
print(elapsed)
"""


def timed(*argv: str) -> float:
    out = subprocess.run([sys.executable, "-c", *argv], check=True, capture_output=True, text=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    lists = load_lists()
    started = time.perf_counter()
    matcher = engine.Matcher.build(lists)
    build = time.perf_counter() - started
    versions = {source: f"sha256:{source}" for source, _ in lists}
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "index.pkl"
        started = time.perf_counter()
        old.write_bytes(pickled(matcher))
        old_write = time.perf_counter() - started
        cache_dir = Path(tmp) / "cache"
        disk = engine.DiskCache(cache_dir, versions, DEFAULT_WEIGHTS)
        started = time.perf_counter()
        disk.write(matcher)
        new_write = time.perf_counter() - started
        new = cache_dir / disk.name
        disk.close()
        old_times: list[float] = []
        old_no_gc: list[float] = []
        new_times: list[float] = []
        for _ in range(args.repeat):
            old_times.append(timed(LOAD_PICKLE, str(old), str(REPO)))
            old_no_gc.append(timed(LOAD_PICKLE_NO_GC, str(old), str(REPO)))
            new_times.append(timed(LOAD_CACHE, str(cache_dir), str(REPO), json.dumps(versions)))
        old_size, new_size = old.stat().st_size, new.stat().st_size
    print(
        f"{len(matcher.index.entries):,} entries, {matcher.index.size:,} names; build {build:.2f} s"
    )
    for label, size, write, times in (
        ("pickle", old_size, old_write, old_times),
        ("pickle, no GC", old_size, old_write, old_no_gc),
        ("authenticated", new_size, new_write, new_times),
    ):
        print(
            f"{label:>13}: {size / 2**20:5.1f} MiB, write {write:.2f} s, "
            f"load median {statistics.median(times):.3f} s {[round(t, 3) for t in times]}"
        )


if __name__ == "__main__":
    main()
