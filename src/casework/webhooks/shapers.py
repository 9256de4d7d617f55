"""What an event's payload shows, as the features that own the data shape it.

Webhooks publish events about things other features own (a case, a check) and import
none of them: each feature registers a shaper for its kind of subject, and an adapter
that speaks another API registers a variant of a kind (the case as that API shows it,
for the webhook URL of a case created through it). The application and the worker
have them register (``casework.assembly.register_adapters``).

A shaper reads many subjects at once, all of one tenant, and returns the payload of
each one it found, by id; a subject that no longer exists is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

Payload = dict[str, Any]
Shaper = Callable[[Session, str, Sequence[str]], Mapping[str, Payload]]

_SHAPERS: dict[tuple[str, str | None], Shaper] = {}


class MissingShaper(LookupError):
    """Nothing registered to shape a kind of subject: the module that registers it was
    not imported. Publishing stops there rather than send a wrong body."""


def register(kind: str, shaper: Shaper, *, variant: str | None = None) -> Shaper:
    """Make ``shaper`` the one for ``kind`` (or for its ``variant``); returns it, so that
    it can decorate a function."""
    _SHAPERS[(kind, variant)] = shaper
    return shaper


def shaper(kind: str) -> Shaper:
    """The shaper of ``kind``'s native payload."""
    found = _SHAPERS.get((kind, None))
    if found is None:
        raise MissingShaper(f"no payload shaper is registered for {kind!r}")
    return found


def variant(kind: str, name: str | None) -> Shaper | None:
    """The shaper of ``kind`` as variant ``name`` shows it, or None when there is none
    (the native payload is used)."""
    if name is None:
        return None
    return _SHAPERS.get((kind, name))


def shape(
    session: Session, shaper: Shaper, tenant_id: str, ids: Sequence[str]
) -> dict[str, Payload]:
    """``shaper``'s payloads of the distinct ``ids``."""
    wanted = list(dict.fromkeys(ids))
    return dict(shaper(session, tenant_id, wanted)) if wanted else {}
