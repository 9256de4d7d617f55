"""Stores of document bytes: one interface (``Store``), two back ends (a local directory,
an S3 bucket), chosen by ``CASEWORK_STORAGE_URL`` (see ``location``).

A store keeps whole objects under keys the caller makes: an object is visible only
once all its bytes are written, and a write that fails leaves nothing behind. What a
document row names is the caller's business; ``listing`` and ``unfinished`` let it find
what a killed process left without a row (see ``casework.documents.tasks``).
"""

from __future__ import annotations

from casework.infra.storage.location import LocalLocation, Location, S3Location
from casework.infra.storage.store import (
    CHUNK_BYTES,
    MissingObject,
    Store,
    StoredObject,
    StoreUnavailable,
)


def open_store(location: Location) -> Store:
    """The store at ``location``, not yet checked (see ``Store.check``)."""
    if isinstance(location, LocalLocation):
        from casework.infra.storage.local import LocalStore

        return LocalStore(location.root)
    if isinstance(location, S3Location):
        # Only an S3 store loads the AWS SDK.
        from casework.infra.storage.s3 import S3Store

        return S3Store(location)
    raise TypeError(f"no store for {location!r}")


__all__ = [
    "CHUNK_BYTES",
    "LocalLocation",
    "Location",
    "MissingObject",
    "S3Location",
    "Store",
    "StoreUnavailable",
    "StoredObject",
    "open_store",
]
