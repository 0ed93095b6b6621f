"""The shape of the code: the domain kernel loads no infrastructure, every package of shared/
says what it holds, and no module imports one that imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_MODULES = [
    "shared.domain.aggregate",
    "shared.domain.values",
    "shared.domain.errors",
    "shared.domain.dates",
    "shared.domain.identifiers",
    "shared.events",
]


def test_importing_the_domain_loads_neither_sqlalchemy_nor_cryptography() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in DOMAIN_MODULES)
        + "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'cryptography',"
        " 'redis', 'fastapi', 'faststream'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_every_package_of_shared_says_what_it_holds() -> None:
    for package in (p for p in (ROOT / "shared").iterdir() if p.is_dir() and any(p.glob("*.py"))):
        init = package / "__init__.py"
        assert init.exists(), f"{package.name} is not a package"
        tree = ast.parse(init.read_text())
        assert ast.get_docstring(tree), f"{init.relative_to(ROOT)} has no docstring"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {name for name in names if name in known}
    return found


def test_no_import_cycles() -> None:
    paths = [
        p
        for top in ("shared", "services", "suite")
        for p in (ROOT / top).rglob("*.py")
        if "__pycache__" not in p.parts
    ]
    modules = {_module_name(p): p for p in paths}
    known = set(modules)
    graph = {name: _imports(path, known) - {name} for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # A package's __init__ re-exporting its own modules is not a cycle worth naming.
    real = [c for c in cycles if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]
    assert real == []
