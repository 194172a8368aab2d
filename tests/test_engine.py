"""What the workflow needs of Snakemake, through its supported interfaces (rnnadd.ops.engine).

The Snakemake release is pinned: requirements.txt, rnnadd.ops.engine and the
installed Snakemake agree, and the Snakefile refuses another release in one
line before any job. No rule file reaches into Snakemake's internals.
"""

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import REPO, SMOKE, _launching, copy_workflow
from rnnadd.ops import engine

RULE_FILES = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]


def pinned_in_requirements(package: str) -> str:
    pins = dict(line.split("==", 1) for line in (REPO / "requirements.txt").read_text().split() if "==" in line)
    return pins[package]


def test_the_pinned_snakemake_is_the_one_installed_and_the_one_in_requirements():
    assert pinned_in_requirements("snakemake") == engine.SNAKEMAKE_VERSION
    assert version("snakemake") == engine.SNAKEMAKE_VERSION
    import snakemake

    assert snakemake.__version__ == engine.SNAKEMAKE_VERSION


@pytest.mark.parametrize("other", ["9.27.0", "9.27.2", "9.28.0", "10.0.0", "8.30.0"])
def test_another_snakemake_release_is_refused_in_one_line_saying_how_to_fix_it(other):
    assert engine.version_problem(engine.SNAKEMAKE_VERSION) is None
    message = engine.version_problem(other)
    assert message is not None and "\n" not in message
    assert f"Snakemake {other} is running it" in message
    assert f"tested with Snakemake {engine.SNAKEMAKE_VERSION} only" in message
    assert "pip install -r requirements.txt" in message


def test_the_command_line_is_recognised_and_read_with_snakemakes_own_parser():
    import snakemake

    assert engine.from_the_command_line("/some/env/bin/snakemake")
    assert engine.from_the_command_line(str(Path(snakemake.__file__).parent / "__main__.py"))
    assert not engine.from_the_command_line(sys.argv[0])  # pytest: the Python API's case
    assert engine.command_line() is None
    args = engine.command_line(["fig05_maxlen", "--cores", "1", "--configfile", "tests/smoke.yaml"])
    assert list(args.targets) == ["fig05_maxlen"] and not args.report
    assert str(engine.command_line(["--report", "results/report.zip"]).report) == "results/report.zip"


def test_no_rule_file_reaches_into_snakemake_internals():
    """The internals the rule files once used: a stack walk into snakemake.cli, a patched GroupJob."""
    for path in RULE_FILES:
        text = path.read_text()
        for internal in ("inspect.currentframe", "f_locals", "args_to_api", "snakemake.jobs", "GroupJob",
                         "log_error ="):
            assert internal not in text, f"{path.relative_to(REPO)} uses {internal}"
    assert re.search(r"^min_version\(engine\.SNAKEMAKE_VERSION\)$", (REPO / "workflow" / "rules" / "common.smk")
                     .read_text(), re.M)


@pytest.mark.snakemake
def test_the_snakefile_refuses_another_snakemake_release_before_any_job(tmp_path):
    """The real Snakemake command, told it is another release: one line, exit 1, nothing planned."""
    import snakemake

    workdir = copy_workflow(tmp_path / "study")
    main = Path(snakemake.__file__).parent / "__main__.py"
    # As `python -m snakemake` (sys.argv[0] is its __main__.py), with __version__ set to another release.
    program = ("import sys, snakemake; snakemake.__version__ = '9.28.0'; sys.argv[0] = sys.argv.pop(1); "
               "from snakemake.cli import main; main()")
    _launching()
    result = subprocess.run([sys.executable, "-c", program, str(main), "-n", "--cores", "1", *SMOKE],
                            cwd=workdir, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    refusals = [line for line in result.stderr.splitlines() if "Snakemake 9.28.0" in line]
    assert refusals == [engine.version_problem("9.28.0")], result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "WorkflowError" not in result.stderr
    assert "Building DAG of jobs" not in result.stdout + result.stderr


@pytest.mark.snakemake
def test_the_command_lines_report_option_is_read_so_config_warnings_are_printed_once(tmp_path):
    """`make smoke` builds, then reports with the same config: its warnings only with the build."""
    from conftest import snakemake

    workdir = copy_workflow(tmp_path / "study")
    build = snakemake(workdir, "-n", "--cores", "1", *SMOKE)
    assert "Config warning: " in build.stdout + build.stderr
    report = snakemake(workdir, "--report", "results/report.zip", *SMOKE, check=False)
    output = report.stdout + report.stderr
    assert "Creating report..." in output, output[-2000:]  # read, for a report (of nothing built: it fails)
    assert "Config warning: " not in output, output[-2000:]
