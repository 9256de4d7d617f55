"""Where a value of a goAML document comes from, and how a problem with it names its owner."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class _At:
    """Where values come from: the casework field they fill and how to name their owner."""

    source: str
    who: str = ""
    settings: bool = False

    def field(self, attr: str) -> str:
        return f"{self.source}.{attr}" if self.source and attr else self.source or attr

    def child(self, attr: str, who: str) -> _At:
        return _At(self.field(attr), who, self.settings)

    def label(self, what: str) -> str:
        return f"the {what} of {self.who}" if self.who else f"the {what}"

    @property
    def unset(self) -> str:
        return "is not set in the goAML settings" if self.settings else "is missing"
