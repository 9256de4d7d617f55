"""The layer diagram of docs/architecture.md, drawn from the import contract.

The layers and their packages come from ``[tool.importlinter]`` in pyproject.toml, which
``make lint`` enforces, so the picture cannot drift from the code: a test compares the
diagram in the document with what this prints.

    python scripts/architecture_diagram.py          # print the Mermaid block
    python scripts/architecture_diagram.py --write  # replace it in docs/architecture.md
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- layers: begin -->", "<!-- layers: end -->"
NAMES = [
    "entry points",
    "application",
    "worker",
    "assembly",
    "adapters",
    "processing",
    "features",
    "cross-cutting",
]


def layers() -> list[list[str]]:
    """The contract's layers, top first, each as its packages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    return [sorted(re.split(r"\s*[:|]\s*", layer.strip())) for layer in contract["layers"]]


def diagram() -> str:
    found = layers()
    if len(found) != len(NAMES):
        raise SystemExit(f"{len(found)} layers in the contract, {len(NAMES)} names here")
    lines = [BEGIN, "```mermaid", "flowchart TB"]
    for number, (name, packages) in enumerate(zip(NAMES, found, strict=True)):
        lines.append(f'    L{number}["<b>{name}</b><br/>{" · ".join(packages)}"]')
    lines += [f"    L{n} --> L{n + 1}" for n in range(len(found) - 1)]
    lines += ["```", END]
    return "\n".join(lines)


def main() -> int:
    block = diagram()
    if "--write" not in sys.argv:
        print(block)
        return 0
    text = DOC.read_text("utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    DOC.write_text(text[:start] + block + text[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
