"""Content-addressed on-disk cache for feature arrays.

Key = sha256 over (audio file *content* hash, extractor name, extractor params, sample rate,
augmentation spec, :data:`CACHE_FORMAT_VERSION`), so renaming or moving a corpus keeps its
entries, and changing a parameter, a library version (part of the params) or the format
version never returns a stale array.

Layout: ``<root>/<feature>/<key[:2]>/<key>.npy``. Writes go to a hidden temporary file in the
same folder, then ``os.replace``: on POSIX that is atomic, so readers see either nothing or a
whole entry, and concurrent writers of the same key simply race to an identical result. An
entry that fails to load (truncated, garbage, wrong dtype or shape, or holding NaN/inf) is
deleted, named in a :class:`CacheEntryWarning` and reported as a miss, so the caller
recomputes it: one bad entry never poisons later runs. ``store`` refuses non-finite arrays.

Every entry ends with a checksum trailer (:data:`TRAILER_MAGIC` + sha256 of the ``.npy``
bytes before it, ~50 us for a 47 KB entry; ``np.load`` on the file still works, it ignores trailing bytes), verified on
every load, so an entry whose values changed while its shape stayed valid (a flipped bit, a
file copied over another) is caught and recomputed like any other corrupt entry. Entries
written before checksums existed are verified for shape and finiteness as before and then
rewritten with their checksum (trusted once, guarded from then on).

File hashes are memoised per process on (path, size, mtime_ns): each file is read once.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

CACHE_FORMAT_VERSION = 1
#: marks the checksum trailer: 8 bytes of magic, then the 32-byte sha256 digest
TRAILER_MAGIC = b"SBSHA256"
_DIGEST_SIZE = 32
_TRAILER_SIZE = len(TRAILER_MAGIC) + _DIGEST_SIZE

_HASH_MEMO: dict[tuple[str, int, int], str] = {}


class CacheEntryWarning(UserWarning):
    """A cache entry was unusable (corrupt, wrong shape, non-finite) and was deleted."""


def _default_cache_root() -> Path:
    from benchmark.paths import default_cache_root

    return default_cache_root()


def file_sha256(path: str | Path) -> str:
    """sha256 of the file's bytes, memoised on (resolved path, size, mtime_ns)."""
    p = Path(path).resolve()
    st = p.stat()
    memo_key = (str(p), st.st_size, st.st_mtime_ns)
    digest = _HASH_MEMO.get(memo_key)
    if digest is None:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
        _HASH_MEMO[memo_key] = digest
    return digest


def entry_key(*, audio_sha256: str, feature: str, params: Mapping[str, Any], sr: int,
              augmentation: Mapping[str, Any] | None = None) -> str:
    """The cache key (hex sha256) of one feature array; ``augmentation`` None = original audio."""
    spec = {
        "format": CACHE_FORMAT_VERSION,
        "audio": audio_sha256,
        "feature": feature,
        "params": dict(params),
        "sr": int(sr),
        "augmentation": dict(augmentation) if augmentation else None,
    }
    text = json.dumps(spec, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class FeatureCache:
    """An on-disk store of ``np.ndarray`` per (feature, key). Safe across processes."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else _default_cache_root() / "features"
        self.n_corrupt = 0  # entries found broken (and deleted) by this instance

    def __repr__(self) -> str:
        return f"FeatureCache({str(self.root)!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # workers get a fresh instance on the same root
        return (FeatureCache, (str(self.root),))

    def path(self, feature: str, key: str) -> Path:
        if not feature or "/" in feature or feature.startswith("."):
            raise ValueError(f"bad feature name for the cache: {feature!r}")
        return self.root / feature / key[:2] / f"{key}.npy"

    def load(self, feature: str, key: str, *, kind: str | None = None,
             dim: int | None = None) -> np.ndarray | None:
        """The stored array, or None on a miss. A broken entry is deleted and counts as a miss.

        With ``kind``/``dim`` the array's shape is checked too ("functionals": (dim,),
        "frames": (T>0, dim)); a mismatch is treated as corruption.
        """
        p = self.path(feature, key)
        try:
            blob = p.read_bytes()
        except FileNotFoundError:
            return None
        body, legacy = blob, True
        if len(blob) >= _TRAILER_SIZE and blob[-_TRAILER_SIZE:-_DIGEST_SIZE] == TRAILER_MAGIC:
            body, legacy = blob[:-_TRAILER_SIZE], False
            if _digest(body) != blob[-_DIGEST_SIZE:]:
                self._drop(p, "checksum mismatch (its bytes changed after it was written)")
                return None
        try:
            arr = np.load(io.BytesIO(body), allow_pickle=False)
        except Exception as exc:  # truncated/garbage file: drop it, the caller recomputes
            self._drop(p, f"unreadable ({type(exc).__name__}: {exc})")
            return None
        if not _shape_ok(arr, kind, dim):
            self._drop(p, f"dtype {arr.dtype} shape {arr.shape} does not match {kind or 'any'}"
                          f"{'' if dim is None else f' dim={dim}'}")
            return None
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
            self._drop(p, f"non-finite values ({n_bad} of {arr.size} are NaN/inf)")
            return None
        if legacy:
            self.store(feature, key, arr)  # guarded by a checksum from now on
        return arr

    def store(self, feature: str, key: str, array: np.ndarray) -> Path:
        """Write ``array`` atomically (temp file in the same folder, then ``os.replace``)."""
        p = self.path(feature, key)
        if np.asarray(array).dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(f"refusing to cache non-finite values for {feature}/{key}")
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.parent / f".{key}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        try:
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
            body = buf.getvalue()
            with open(tmp, "wb") as f:
                f.write(body + TRAILER_MAGIC + _digest(body))
            os.replace(tmp, p)
        finally:
            tmp.unlink(missing_ok=True)
        return p

    def _drop(self, p: Path, why: str) -> None:
        self.n_corrupt += 1
        p.unlink(missing_ok=True)
        warnings.warn(f"feature cache entry {p} is corrupt: {why}; deleted it, recomputing",
                      CacheEntryWarning, stacklevel=3)

    def info(self) -> dict[str, Any]:
        """Entry count and bytes, in total and per feature."""
        per: dict[str, dict[str, int]] = {}
        if self.root.is_dir():
            for d in sorted(x for x in self.root.iterdir() if x.is_dir()):
                files = list(d.glob("*/*.npy"))
                per[d.name] = {"n_entries": len(files), "bytes": sum(f.stat().st_size for f in files)}
        return {
            "n_entries": sum(v["n_entries"] for v in per.values()),
            "bytes": sum(v["bytes"] for v in per.values()),
            "per_feature": per,
        }

    def clear(self, feature: str | None = None) -> int:
        """Delete every entry (or one feature's); returns the number of entries removed."""
        if feature is not None:
            d = self.root / feature
            if not d.is_dir():
                return 0
            n = len(list(d.glob("*/*.npy")))
            shutil.rmtree(d)
            return n
        n = self.info()["n_entries"]
        if self.root.is_dir():
            for d in self.root.iterdir():
                if d.is_dir():
                    shutil.rmtree(d)
        return n


def _digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


def _shape_ok(arr: np.ndarray, kind: str | None, dim: int | None) -> bool:
    if arr.dtype != np.float32:
        return False
    if kind == "functionals":
        return arr.ndim == 1 and (dim is None or arr.shape[0] == dim)
    if kind == "frames":
        return arr.ndim == 2 and arr.shape[0] > 0 and (dim is None or arr.shape[1] == dim)
    return True
