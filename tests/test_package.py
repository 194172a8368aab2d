"""The learning core is an installed package with one-way imports and public interfaces."""

import ast
import subprocess
import sys

from conftest import REPO

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

    assert graph["rnnadd.training"] and "rnnadd.verify" not in graph["rnnadd.training"]
    for module in sorted(graph):
        cycle = cycle_from(module, [module])
        assert cycle is None, " -> ".join(cycle)


def test_no_file_edits_sys_path():
    """The package is installed (make setup); nothing finds it by editing sys.path."""
    sources = [*REPO.glob("Snakefile"), *REPO.glob("workflow/**/*.py"), *REPO.glob("workflow/**/*.smk"),
               *REPO.glob("tests/**/*.py"), *REPO.glob("tests/**/Snakefile")]
    offenders = [str(path.relative_to(REPO)) for path in sources
                 if "sys.path." + "insert" in path.read_text() or "sys.path." + "append" in path.read_text()]
    assert not offenders, offenders


def test_the_cli_runs_from_any_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rnnadd", "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "evaluate" in result.stdout and "add" in result.stdout
    installed = subprocess.run([sys.executable, "-c", "import rnnadd; print(rnnadd.__file__)"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
    assert installed.stdout.strip() == str(PACKAGE / "__init__.py")
