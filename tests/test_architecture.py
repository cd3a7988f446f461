"""The house's rules: stages import one way (import-linter), reports load no solver, the README's
Layout lists every module, one formatter owns the layout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, TINY

SRC = ROOT / "src" / "foresterie"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _modules() -> set[str]:
    """Every module of the package as a path relative to src/foresterie (no __init__.py)."""
    return {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.name != "__init__.py"}


def _layout_modules() -> set[str]:
    """Modules named in the README's Layout block: `pkg/  a.py b.py` lines and top-level files."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    named: set[str] = set()
    for line in block.splitlines()[2:]:
        words = line.split()
        if not words:
            continue
        if words[0].endswith("/"):
            named |= {words[0] + w for w in words[1:] if w.endswith(".py")}
        elif words[0].endswith(".py") and line.startswith("  ") and not line.startswith("   "):
            named.add(words[0])
    return named


def test_readme_layout_lists_every_module_and_nothing_else() -> None:
    modules, named = _modules(), _layout_modules()
    assert not modules - named, f"modules missing from README Layout: {sorted(modules - named)}"
    assert not named - modules, f"README Layout names absent modules: {sorted(named - modules)}"


def test_no_fmt_skip_markers() -> None:
    marker = "fmt: " + "skip"  # split so this file does not match itself
    hits = [
        str(p.relative_to(ROOT))
        for folder in ("src", "tests", "benchmarks")
        for p in (ROOT / folder).rglob("*.py")
        if marker in p.read_text(encoding="utf-8")
    ]
    assert hits == []


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("arch") / "run"
    cmd = [sys.executable, "-m", "foresterie", "solve", str(TINY), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


@pytest.mark.parametrize("command", [["report"], ["map"], ["verify"]])
def test_reading_a_run_loads_no_solver(tiny_run: Path, command: list[str]) -> None:
    code = (
        "import json, sys\n"
        "from foresterie.cli import app\n"
        f"app({[*command, str(tiny_run)]!r}, standalone_mode=False)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(r.stdout.strip().splitlines()[-1]))
    assert "foresterie" in loaded
    solvers = {"ortools", "highspy", "pyvrp", "dask"}
    assert not loaded & solvers, sorted(loaded & solvers)


def _lint_imports(
    tmp_path: Path, bad_import: tuple[str, str] | None
) -> subprocess.CompletedProcess:
    """Run the project's contracts on a copy of the package, optionally with one wrong import."""
    shutil.copytree(SRC, tmp_path / "src" / "foresterie")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if bad_import:
        module, line = bad_import
        with open(tmp_path / "src" / "foresterie" / module, "a", encoding="utf-8") as fh:
            fh.write(f"\n{line}\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True
    )


def test_contracts_hold(tmp_path: Path) -> None:
    r = _lint_imports(tmp_path, None)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"Contracts: (\d+) kept, 0 broken", r.stdout)


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/files.py", "from foresterie.scenario import model", "Stages import one way"),
        ("travel/matrix.py", "from foresterie.housing import tiers", "Stages import one way"),
        ("report/maps.py", "import ortools", "never import a solver"),
        ("report/html.py", "from foresterie.run import kpi", "never import a solver"),
        ("verify.py", "from foresterie.core import files", "The verifier is independent"),
    ],
)
def test_a_wrong_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    r = _lint_imports(tmp_path, (module, line))
    assert r.returncode != 0
    broken = [ln for ln in r.stdout.splitlines() if ln.rstrip().endswith("BROKEN")]
    assert broken and contract in "\n".join(r.stdout.split("BROKEN")[0].splitlines()[-3:]), r.stdout
