"""Files the app writes for a person: readable by their owner only (0600).

Letters, exports and keys hold PHI or secrets, and a umask of 022 would otherwise hand them to
every account on the host. An existing file is made private before anything is written into it.
"""

from __future__ import annotations

import os
from typing import IO
from typing import Any


def open_private(
    path: str | os.PathLike, mode: str = "wb", *, exclusive: bool = False, **kwargs: Any
) -> IO:
    """Open `path` for writing as a 0600 file (truncated, or new only with `exclusive`)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> None:
    """Write `data` to a file only its owner can read."""
    with open_private(path, "wb", exclusive=exclusive) as fh:
        fh.write(data)
