"""Whether another user could replace or rewrite a file this program trusts (the SQLite
database, the index cache): shared by the store and the matcher's disk cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def ownership_problem(
    st: os.stat_result, path: Path, forbidden: int, what: str, fix: str, *, root_ok: bool = False
) -> str | None:
    """Why another user could replace or rewrite ``path`` (its ``st``): owned by someone else
    (root too, unless ``root_ok``), or any ``forbidden`` mode bit set (``what`` says which,
    ``fix`` is the command that clears them). None when it is private enough."""
    uid = os.geteuid()
    if st.st_uid != uid and not (root_ok and st.st_uid == 0):
        owners = f"this user (uid {uid})" + (" or root" if root_ok else "")
        return (
            f"{path} is owned by uid {st.st_uid}, not by {owners}; run: chown {uid} {path} "
            "(as root), or use a path of your own"
        )
    if st.st_mode & forbidden:
        mode = stat.S_IMODE(st.st_mode)
        return f"{path} is {what} (mode {mode:04o}); run: {fix} {path}"
    return None
