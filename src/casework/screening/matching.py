"""The in-process matcher, built from the current list versions and rebuilt when one
changes. Each process holds its own; a new list version reaches it on the next search."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from casework.screening import repository
from casework.screening.engine import Matcher
from casework.screening.service import current_entities


class MatcherHolder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._versions: dict[str, int] = {}

    def get(self, session: Session) -> tuple[Matcher, dict[str, int]]:
        """The matcher for the current list versions.

        One caller rebuilds when a version changes; meanwhile the others go on with the
        previous matcher (its versions are in the result) rather than wait for the build.
        """
        versions = repository.current_versions(session)
        matcher, built_for = self._matcher, self._versions
        if matcher is not None and versions == built_for:
            return matcher, built_for
        if not self._lock.acquire(blocking=matcher is None):
            assert matcher is not None
            return matcher, built_for
        try:
            if self._matcher is None or versions != self._versions:
                self._matcher = Matcher.build(current_entities(session))
                self._versions = versions
            return self._matcher, self._versions
        finally:
            self._lock.release()
