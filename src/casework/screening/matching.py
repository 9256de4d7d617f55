"""The matcher a process searches with, for the current list versions, switched when one
changes.

With an ``IndexStore`` the index is the snapshot of the current versions, mapped: built
once (by the import, or by the first process that needs it) and shared by every
process through the page cache. Without one, each process builds its own in memory.
Either way a new list version reaches a process on its next search.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from casework.config import Settings
from casework.screening import repository
from casework.screening.engine import Matcher
from casework.screening.entity import Entity
from casework.screening.index_store import IndexStore, Versions, current

log = logging.getLogger(__name__)


def build_in_memory(session: Session, versions: Versions) -> Matcher:
    rows = repository.documents_at(session, {v.dataset_id: v.version for v in versions})
    return Matcher.build((name, Entity.from_document(doc)) for name, doc in rows)


class MatcherHolder:
    @classmethod
    def shared(cls, settings: Settings) -> MatcherHolder:
        """A holder that maps the snapshots under the settings' data directory."""
        return cls(IndexStore(settings.screening_index_dir))

    def __init__(self, store: IndexStore | None = None) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._versions: dict[str, int] = {}

    def get(self, session: Session) -> tuple[Matcher, dict[str, int]]:
        """The matcher for the current list versions.

        One caller switches when a version changes, mapping the new snapshot or building
        it; meanwhile the others go on with the previous matcher (its versions are in
        the result) rather than wait. While another process builds the snapshot, this
        one goes on with its previous matcher too, and switches once it is written.
        """
        listed = current(session)
        versions = {v.name: v.version for v in listed}
        matcher, built_for = self._matcher, self._versions
        if matcher is not None and versions == built_for:
            return matcher, built_for
        if not self._lock.acquire(blocking=matcher is None):
            assert matcher is not None
            return matcher, built_for
        try:
            if self._matcher is None or versions != self._versions:
                found = self._switch(session, listed, held=self._matcher)
                if found is not None:
                    self._matcher, self._versions = found, versions
            assert self._matcher is not None
            return self._matcher, self._versions
        finally:
            self._lock.release()

    def _switch(
        self, session: Session, listed: Versions, *, held: Matcher | None
    ) -> Matcher | None:
        """The matcher of these versions; None to go on with ``held`` for now, while
        another process builds the index or when it could not be built or mapped (each
        search names the versions it searched, so the older ones show)."""
        if self.store is None:
            return build_in_memory(session, listed)
        if held is None:
            index = self.store.open(session, listed, wait=True)
            return Matcher(index) if index is not None else None
        try:
            index = self.store.open(session, listed, wait=False)
        except (OSError, RuntimeError):
            log.exception("the screening index of the new list versions could not be built")
            return None
        return Matcher(index) if index is not None else None
