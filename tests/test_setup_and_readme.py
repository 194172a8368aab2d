"""What a newcomer types: the Makefile's setup commands (checked with `make -n`, no network)
and the commands of README and docs/."""

from __future__ import annotations

import re
import subprocess

from conftest import REPO

TORCH_PIN = next(line for line in (REPO / "requirements.txt").read_text().split() if line.startswith("torch=="))


def planned(*args: str) -> list[str]:
    """The commands make would run (-B: as on a fresh clone, whatever .venv holds now)."""
    result = subprocess.run(["make", "-n", "-B", *args], cwd=REPO, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_setup_installs_pypi_torch_by_default_and_shows_pip_progress():
    commands = planned("setup")
    # no --quiet: it may download GB. pip as a module: the .venv/bin/pip wrapper's first lines hold the
    # checkout's path, which a shell would run (issue 26).
    assert '".venv/bin/python" -m pip install -r requirements.txt' in commands
    assert not any(command.startswith(".venv/bin/") for command in commands)
    assert not any("download.pytorch.org" in command for command in commands)


def test_setup_with_torch_index_cpu_takes_the_pinned_cpu_build_first():
    commands = planned("setup", "TORCH_INDEX=cpu")
    cpu = (f'".venv/bin/python" -m pip install --index-url https://download.pytorch.org/whl/cpu '
           f"--no-deps '{TORCH_PIN}'")
    assert cpu in commands
    # Then the rest from PyPI; pip keeps the CPU build, which satisfies the same pin.
    assert commands.index(cpu) < commands.index('".venv/bin/python" -m pip install -r requirements.txt')


def test_make_smoke_runs_the_readme_command_and_says_where_figures_and_report_are():
    commands = planned("smoke", "CORES=2")
    assert '".venv/bin/python" -m snakemake --cores 2 --configfile=tests/smoke.yaml' in commands
    said = " ".join(command for command in commands if command.startswith("echo"))
    assert "results/figures/" in said and "results/report.zip" in said


# The pages whose commands a newcomer copies: README and docs/ (docs/extending.md is checked by its own test).
PAGES = [REPO / "README.md"] + sorted(p for p in (REPO / "docs").glob("*.md") if p.name != "extending.md")


def test_readme_commands_use_one_convention_and_cannot_swallow_a_target():
    for page in PAGES:
        text = page.read_text()
        blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
        lines = [line for block in blocks for line in block.splitlines()]
        inline = re.findall(r"`([^`\n]*snakemake [^`\n]*)`", text)
        for command in lines + inline:
            # `.venv/bin/python -m snakemake` is the same program, safe in any checkout path.
            command = command.replace(".venv/bin/python -m snakemake", ".venv/bin/snakemake")
            # "the same snakemake command" in a quoted error message is prose, not a command.
            for match in re.finditer(r"([^\s\"']*)snakemake(?= (?!command))", command):
                assert match.group(1) == ".venv/bin/", f"{page.name}: {command}"
            assert not re.search(r"--(configfile|forcerun)\s", command), f"{page.name}: {command}"
    text = (REPO / "README.md").read_text()
    assert "../shared" not in text
    assert (REPO / "docs" / "original-study.md").exists() and "docs/original-study.md" in text


def test_readme_gives_one_command_that_sets_up_and_runs_the_study_and_one_for_the_tests():
    text = (REPO / "README.md").read_text()
    commands = [line.split("#")[0].strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)
                for line in block.splitlines()]
    assert "make run" in commands and "make test" in commands
    assert "make run TORCH_INDEX=cpu" in " ".join(text.split())
    # make run sets up .venv first on a fresh clone, then runs the study.
    run = planned("run", "CORES=2")
    install = run.index('".venv/bin/python" -m pip install -r requirements.txt')
    assert install < run.index('".venv/bin/python" -m snakemake --cores 2')
    cpu = planned("run", "TORCH_INDEX=cpu", "CORES=2")
    assert any("download.pytorch.org/whl/cpu" in command for command in cpu)
    test = planned("test")
    assert any(command.startswith('".venv/bin/python" -m pytest') for command in test)


def test_readme_gives_the_pinned_torch_and_the_cpu_build():
    text = " ".join((REPO / "README.md").read_text().split())
    version = TORCH_PIN.split("==")[1]
    assert f"torch {version}" in text, f"README must say requirements pin torch {version}"
    assert "make setup TORCH_INDEX=cpu" in text
    # The set-up without make (docs/models.md) installs the same pin.
    assert f"--no-deps {TORCH_PIN} " in (REPO / "docs" / "models.md").read_text()


def test_the_logs_of_the_clusters_sbatch_example_are_ignored_by_git():
    readme = (REPO / "docs" / "cluster.md").read_text()
    pattern = re.search(r"sbatch .*--output=(\S+)", readme).group(1)
    example = pattern.replace("%j", "12345")
    result = subprocess.run(["git", "check-ignore", "--no-index", example], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, f"{example} would show up in git status"
