"""The console's static files, kept in memory with their gzip and ETag.

A patient on a cheap phone over a poor connection downloads the widget once:
every file is served gzipped when the browser accepts it, with an ETag so a
revisit costs one 304. Files are read lazily and re-read when they change on
disk, so editing ``widget.js`` during development needs no restart.

Our own scripts keep their comments for the people who maintain them; patients
need not download them: whole-line comments and indentation are left out of
what is served (:func:`compact_js`). No other change, no build step.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

STATIC_ROOT = Path(__file__).resolve().parent / "static"
_COMMENT_LINE = re.compile(rb"^[ \t]*//.*(?:\n|$)", re.MULTILINE)
_INDENT = re.compile(rb"^[ \t]+", re.MULTILINE)

#: Only these kinds of file are ever served.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".LICENSE": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    """One static file: its bytes, gzipped bytes, type and ETag."""

    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def compact_js(source: bytes) -> bytes:
    """``source`` without its whole-line ``//`` comments and indentation.

    Safe for scripts without template literals and line continuations (a
    line can then only start inside a comment block, never inside a string);
    any other script, and vendored ``*.min.js``, is served unchanged.
    """
    if b"`" in source or b"\\\n" in source:
        return source
    return _INDENT.sub(b"", _COMMENT_LINE.sub(b"", source))


class AssetStore:
    """Serves files under one directory, refusing anything outside it."""

    def __init__(self, root: Path = STATIC_ROOT) -> None:
        self.root = root.resolve()
        self._cache: Dict[Path, Tuple[float, Asset]] = {}

    def _content_type(self, path: Path) -> Optional[str]:
        return CONTENT_TYPES.get(path.suffix)

    def get(self, relative: str) -> Optional[Asset]:
        """The asset at ``relative`` (e.g. ``widget/widget.js``), or None.

        Args:
            relative: a path below the static root, with ``/`` separators.

        Returns:
            None for a missing file, a path that leaves the root, a hidden file
            or a type that is not served.
        """
        if not relative or any(part.startswith(".") for part in relative.split("/")):
            return None
        path = (self.root / relative).resolve()
        if self.root not in path.parents or not path.is_file():
            return None
        content_type = self._content_type(path)
        if content_type is None:
            return None
        mtime = path.stat().st_mtime
        cached = self._cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        body = path.read_bytes()
        if path.suffix == ".js" and not path.name.endswith(".min.js"):
            body = compact_js(body)
        asset = Asset(
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            content_type=content_type,
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        )
        self._cache[path] = (mtime, asset)
        return asset


def gzipped_size(relative: str, store: Optional[AssetStore] = None) -> int:
    """Bytes of one asset gzipped (as sent to a browser); used by the benchmark.

    Raises:
        FileNotFoundError: if there is no such asset.
    """
    asset = (store or AssetStore()).get(relative)
    if asset is None:
        raise FileNotFoundError(relative)
    return len(asset.gzipped)
