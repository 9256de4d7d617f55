"""Planner statistics kept current on PostgreSQL.

Ingestion grows a table by thousands of rows a second. A plan made from statistics
gathered when a table was small believes a tenant has a few hundred rows, and walks
the whole tenant to find a batch's thousand external ids (seconds instead of
milliseconds). Autovacuum would analyze the table, but it may be switched off or
behind; so tables that changed by more than PostgreSQL's own analyze threshold since
their last ANALYZE are analyzed here.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from casework.models.base import Base

# As autovacuum's defaults: 50 rows plus a tenth of the table.
THRESHOLD_ROWS = 50
SCALE_FACTOR = 0.1


def stale_tables(session: Session) -> list[str]:
    """casework's tables changed enough since their last ANALYZE to plan badly (none
    on SQLite, whose planner does without statistics)."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    rows = session.execute(
        text(
            "SELECT relname FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() "
            "AND n_mod_since_analyze > :rows + :scale * n_live_tup "
            "ORDER BY relname"
        ),
        {"rows": THRESHOLD_ROWS, "scale": SCALE_FACTOR},
    ).scalars()
    ours = Base.metadata.tables
    return [name for name in rows if name in ours]


def analyze(session: Session, tables: list[str]) -> list[str]:
    """ANALYZE those of ``tables`` that are casework's; the names analyzed."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    done = []
    for name in tables:
        if name in Base.metadata.tables:
            session.execute(text(f"ANALYZE {quote(name)}"))
            done.append(name)
    return done
