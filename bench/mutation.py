"""Mutation testing of the guard code with mutmut, one module at a time.

    .venv/bin/python bench/mutation.py [MODULE ...] [--jobs N] [--fresh | --again]
                                       [--list] [--report]

The modules (permissions, tenancy, retention, audit, idempotency, ssrf, screening), the
files and functions mutated in each and the focused tests that must kill them are in
pyproject.toml under [tool.casework-mutation]. Each module runs in its own directory
under build/mutation/ with mutmut's configuration written for it, so the modules do not
share mutants or test statistics and a run can stop and resume. Prints, per module, the
mutants tried, killed, survived and the kill rate, and the survivors that are listed as
accepted with the reason why; exits 1 when a module's kill rate is under its target.
Not part of ``make test``: a module takes minutes (``make mutation`` runs all of them).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}  # a failing test, a timeout, a type error
SURVIVED = {0}
SEPARATOR = "\u01c1"  # mutmut joins a class and its method with "ǁ"


@dataclass
class Module:
    name: str
    files: list[str]
    functions: list[str]
    tests: list[str]
    target: float
    accepted: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    killed: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    unrun: list[str] = field(default_factory=list)  # no verdict yet (or one mutmut dropped)

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.survived) + len(self.untested)

    @property
    def tried(self) -> int:
        return self.total - len(self.unrun)

    @property
    def rate(self) -> float:
        return len(self.killed) / self.tried if self.tried else 0.0


def load() -> tuple[dict[str, object], dict[str, Module]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"][
        "casework-mutation"
    ]
    modules = {
        name: Module(
            name=name,
            files=spec["files"],
            functions=spec.get("functions", ["*"]),
            tests=spec["tests"],
            target=spec.get("target", config["target"]),
            accepted=spec.get("accepted", {}),
        )
        for name, spec in config["modules"].items()
    }
    return config["mutmut"], modules


def _toml(value: object) -> str:
    # Strings, numbers, booleans and lists of them read the same in JSON and TOML.
    return json.dumps(value)


def prepare(module: Module, settings: dict[str, object], *, fresh: bool) -> Path:
    """A directory where mutmut sees the project with this module's configuration."""
    here = WORK / module.name
    if fresh and here.exists():
        shutil.rmtree(here)
    here.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests"):
        link = here / name
        if not link.exists():
            link.symlink_to(ROOT / name, target_is_directory=True)
    mutmut = {
        **settings,
        "source_paths": ["src"],
        "only_mutate": module.files,
        "pytest_add_cli_args_test_selection": module.tests,
    }
    lines = ["", "[tool.mutmut]", *(f"{k} = {_toml(v)}" for k, v in mutmut.items())]
    text = (ROOT / "pyproject.toml").read_text("utf-8") + "\n".join(lines) + "\n"
    (here / "pyproject.toml").write_text(text, encoding="utf-8")
    return here


def _mangled(function: str) -> str:
    """mutmut's name for a function ("name") or a method ("Class.name")."""
    if function == "*":
        return "*"
    owner, _, name = function.rpartition(".")
    return f"x{SEPARATOR}{owner}{SEPARATOR}{name}" if owner else f"x_{name}"


def patterns(module: Module) -> list[str]:
    """mutmut's names of the mutants of the chosen functions of the module's files; a
    function is "file.py:name", "file.py:Class.name" or a bare name sought in every file."""
    out = []
    for path in module.files:
        dotted = path.removeprefix("src/").removesuffix(".py").replace("/", ".")
        for function in module.functions:
            where, _, name = function.rpartition(":")
            if where and not path.endswith(where):
                continue
            out.append(f"{dotted}.{_mangled(name)}__mutmut_*")
    return out


def tally(here: Path, module: Module) -> Tally:
    wanted = patterns(module)
    result = Tally()
    for path in module.files:
        meta = here / "mutants" / f"{path}.meta"
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        for name, code in sorted(codes.items()):
            if not any(fnmatch.fnmatchcase(name, p) for p in wanted):
                continue
            if code in KILLED:
                result.killed.append(name)
            elif code in SURVIVED:
                result.survived.append(name)
            else:  # no test reached it, or it was never run
                result.untested.append(name)
                if code is None:
                    result.unrun.append(name)
    return result


def run(
    module: Module, settings: dict[str, object], *, jobs: int, fresh: bool, again: bool
) -> Tally:
    here = prepare(module, settings, fresh=fresh)
    env = {**os.environ, "CASEWORK_TEST_DATABASE": "sqlite"}
    command = [str(ROOT / ".venv" / "bin" / "mutmut"), "run", "--max-children", str(jobs)]
    names = patterns(module)
    if again:  # only what the last run left alive, against the tests as they are now
        last = tally(here, module)
        names = last.survived + last.untested
        if not names:
            return last
    print(f"== {module.name}: mutmut in {here.relative_to(ROOT)}", file=sys.stderr, flush=True)
    subprocess.run([*command, *names], cwd=here, env=env, check=False)
    # A changed test selection makes mutmut drop earlier verdicts: give those one more run.
    unrun = tally(here, module).unrun
    if unrun:
        subprocess.run([*command, *unrun], cwd=here, env=env, check=False)
    return tally(here, module)


def change(module: Module, name: str) -> str:
    """The lines a mutant changes, as mutmut shows them."""
    shown = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mutmut"), "show", name],
        cwd=WORK / module.name,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    lines = [line for line in shown.splitlines() if line[:2] in ("- ", "+ ")]
    return " | ".join(" ".join(line.split()) for line in lines)


def report(module: Module, result: Tally, *, show: bool) -> bool:
    """Prints the module's figures and survivors; the target holds for the kill rate
    among the mutants not accepted as equivalent or unreachable."""
    reasons = {
        name: next(
            (why for pattern, why in module.accepted.items() if fnmatch.fnmatchcase(name, pattern)),
            None,
        )
        for name in result.survived + result.untested
    }
    unrun = set(result.unrun)
    accepted = sum(1 for name, why in reasons.items() if why and name not in unrun)
    scored = result.tried - accepted
    score = len(result.killed) / scored if scored else 0.0
    ok = score >= module.target and not unrun
    print(
        f"{module.name:12} {result.total:4} mutants {result.tried:4} tried "
        f"{len(result.killed):4} killed {result.tried - len(result.killed):3} alive "
        f"({accepted} accepted)  kill rate {result.rate:6.1%}, without accepted {score:6.1%} "
        f"(target {module.target:.0%}){'' if ok else '  LOW or unfinished'}"
    )
    for name, why in reasons.items():
        label = "not run " if name in unrun else "accepted" if why else "SURVIVED"
        print(f"    {label}  {name}" + (f": {why}" if why and name not in unrun else ""))
        if show and name not in unrun:
            print(f"        {change(module, name)}")
    return ok


def main() -> int:
    settings, modules = load()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", choices=[[], *modules], default=[])
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument(
        "--again", action="store_true", help="rerun only the last run's surviving mutants"
    )
    parser.add_argument("--list", action="store_true", help="print the modules and stop")
    parser.add_argument(
        "--report", action="store_true", help="print the last results without running"
    )
    parser.add_argument("--show", action="store_true", help="print each survivor's change")
    args = parser.parse_args()
    chosen = [modules[name] for name in args.modules] or list(modules.values())
    if args.list:
        for module in chosen:
            print(module.name, " ".join(module.files), "<-", " ".join(module.tests))
        return 0
    results = []
    for module in chosen:  # one module at a time: each already uses --jobs processes
        if args.report:
            results.append((module, tally(WORK / module.name, module)))
        else:
            tried = run(module, settings, jobs=args.jobs, fresh=args.fresh, again=args.again)
            results.append((module, tried))
    print()
    verdicts = [report(m, result, show=args.show) for m, result in results]  # every report
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
