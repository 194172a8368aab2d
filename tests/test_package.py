"""The learning core is an installed package with one-way imports and public interfaces."""

import ast
import os
import subprocess
import sys

import pytest

from conftest import REPO, SMOKE, copy_workflow, snakemake

PACKAGE = REPO / "workflow" / "rnnadd"


def module_name(path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import of rnnadd, top level or in functions."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "rnnadd":
                found.append((module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.split(".")[0] == "rnnadd"]
    return found


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def test_no_private_name_is_imported_from_another_module():
    offenders = [f"{module} imports {name} from {source}"
                 for module, path in MODULES.items() for source, names in imports_of(path)
                 for name in names if name.startswith("_") and source != module]
    assert not offenders, offenders


def test_the_package_has_no_import_cycle():
    """Between modules (a package's __init__ counts as the package), at the top or inside functions."""
    graph = {}
    for module, path in MODULES.items():
        targets = set()
        for source, names in imports_of(path):
            # `from .kinds import curves` imports the submodule; `from .kinds import KINDS` the package.
            targets |= {f"{source}.{n}" if f"{source}.{n}" in MODULES else source for n in names} or {source}
        graph[module] = {t for t in targets if t in MODULES and t != module
                         and not module.startswith(t + ".")}  # a submodule may use its package's parts

    def cycle_from(module, path):
        for target in sorted(graph.get(module, ())):
            if target in path:
                return path[path.index(target):] + [target]
            if found := cycle_from(target, path + [target]):
                return found
        return None

    assert graph["rnnadd.core.training"] and "rnnadd.ops.verify" not in graph["rnnadd.core.training"]
    for module in sorted(graph):
        cycle = cycle_from(module, [module])
        assert cycle is None, " -> ".join(cycle)


def test_only_the_snakefile_puts_this_checkout_on_the_path():
    """The rules import this checkout's package (common.smk); nothing else edits sys.path."""
    sources = [*REPO.glob("Snakefile"), *REPO.glob("workflow/**/*.py"), *REPO.glob("workflow/**/*.smk"),
               *REPO.glob("tests/**/*.py"), *REPO.glob("tests/**/Snakefile")]
    offenders = [str(path.relative_to(REPO)) for path in sources
                 if "sys.path." + "insert" in path.read_text() or "sys.path." + "append" in path.read_text()]
    assert offenders == ["workflow/rules/common.smk"], offenders


LAYERS = __import__("rnnadd").LAYERS


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_sits_in_a_layer():
    loose = [m for m in MODULES if m not in ("rnnadd", "rnnadd.__main__") and layer_of(m) is None]
    assert not loose, loose
    assert set(LAYERS) == {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_a_layer_imports_only_itself_and_the_layers_below():
    """core imports nothing above it; ops may import everything (rnnadd/__init__.py names the order)."""
    offenders = []
    for module, path in MODULES.items():
        here = layer_of(module)
        for source, names in imports_of(path):
            for target in [f"{source}.{n}" for n in names if f"{source}.{n}" in MODULES] or [source]:
                there = layer_of(target)
                if here is not None and there is not None and there > here:
                    offenders.append(f"{module} ({LAYERS[here]}) imports {target} ({LAYERS[there]})")
    assert not offenders, offenders
    assert layer_of("rnnadd.core.training") == 0 and layer_of("rnnadd.ops.cli") == len(LAYERS) - 1


def test_the_cli_runs_from_any_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rnnadd", "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "evaluate" in result.stdout and "add" in result.stdout
    installed = subprocess.run([sys.executable, "-c", "import rnnadd; print(rnnadd.__file__)"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
    assert installed.stdout.strip() == str(PACKAGE / "__init__.py")


@pytest.mark.snakemake
def test_a_second_checkout_runs_its_own_package_with_this_environment(tmp_path):
    """A copy of the checkout (a branch, a trial) run with this .venv: the rules and the jobs'
    Python import the copy's rnnadd, not the one installed into the environment."""
    copy = copy_workflow(tmp_path / "second checkout")
    marker = copy / "imported-from-the-copy"
    init = copy / "workflow" / "rnnadd" / "__init__.py"
    init.write_text(init.read_text() + f"\nopen({str(marker)!r}, 'a').write('x')\n")
    snakemake(copy, "--cores", "1", "-n", "fig01_hidden_maxlen5", *SMOKE)
    assert marker.exists()
    job_python = subprocess.run(
        [sys.executable, "-c", "import os, rnnadd; print(rnnadd.__file__)"], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(copy / "workflow")}, timeout=60)
    assert job_python.stdout.strip() == str(init)
