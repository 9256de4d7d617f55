"""Publishers' list formats, each read into ``casework.screening.entity.Entity`` values.

Every importer module exposes ``read(paths: Sequence[Path]) -> Iterator[Entity | Skipped]``
and raises ``ImportFormatError`` (naming file and line or element) on malformed input.
"""
