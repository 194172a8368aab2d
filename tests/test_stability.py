"""`snakemake stability`: the claims' runs retrained on a second float path, verdicts compared."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import SMOKE, snakemake
from rnnadd.claims.stability import compare, plan
from rnnadd.core.errors import UserError
from rnnadd.core.libraries import float_path, second_float_path


def test_stability_retrains_on_the_second_path_and_compares_each_claim(smoke_copy):
    workdir = smoke_copy
    choose = ("--config", "stability={experiments: [fig01_hidden_maxlen5]}")
    snakemake(workdir, "stability", "--cores", "2", *SMOKE, *choose)
    second = second_float_path(float_path()["cpu_capability"])
    folder = workdir / "results" / "stability" / second
    timings = sorted((folder / "results" / "runs").glob("*/seed*.timing.json"))
    assert timings, "no run was retrained"
    assert {json.loads(t.read_text())["float_path"]["cpu_capability"] for t in timings} == {second.upper()}
    # The second study's metrics are its own: another float path, other bytes.
    retrained = timings[0].with_name(timings[0].name.replace(".timing.json", ".csv"))
    original = workdir / "results" / "runs" / retrained.parent.name / retrained.name
    assert retrained.read_text() != original.read_text()
    with open(workdir / "results" / "stability" / "claims.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(workdir / "results" / "claims" / "fig01_hidden_maxlen5.csv", newline="") as handle:
        claims = [row["id"] for row in csv.DictReader(handle)]
    assert [r["id"] for r in rows] == claims and claims
    for row in rows:
        assert row["verdict"] and row["second_verdict"] not in ("", "missing")
        assert row["same"] == ("yes" if row["verdict"] == row["second_verdict"] else "no")
    summary = (workdir / "results" / "stability" / "claims.md").read_text()
    assert f"verdicts stay when the claims' runs are retrained with ATEN_CPU_CAPABILITY={second}" in summary


def test_stability_plan_checks_its_keys_before_anything_runs():
    with_claims = ["fig01", "fig02"]
    assert plan(None, with_claims, "AVX512").float_path == "avx2"
    assert plan({}, with_claims, "AVX2").float_path == "default"
    assert plan({"experiments": ["fig02"]}, with_claims, "AVX2").experiments == ("fig02",)
    # Read with the Snakefile, `auto` stays unresolved (resolving imports torch); the job resolves it.
    unresolved = plan(None, with_claims)
    assert unresolved.float_path == "auto" and unresolved.resolved("AVX512").float_path == "avx2"
    for section, key in [({"float_path": "sse9"}, "stability.float_path"),
                         ({"experiments": ["fig03"]}, "stability.experiments"),
                         ({"experiments": []}, "stability.experiments"),
                         ({"experimnets": "all"}, "stability.experimnets")]:
        with pytest.raises(UserError, match=key.replace(".", r"\.")):
            plan(section, with_claims, "AVX2")


def test_a_claim_missing_on_the_second_path_is_a_changed_verdict(tmp_path, monkeypatch):
    header = "id,group,experiment,verdict,estimate\n"
    (tmp_path / "here.csv").write_text(header + "c1,report,e,holds,0.1\nc2,own,e,inconclusive,0.0\n")
    (tmp_path / "there").mkdir()
    (tmp_path / "there" / "here.csv").write_text(header + "c1,report,e,holds,0.09\n")
    monkeypatch.chdir(tmp_path)
    rows = compare(["here.csv"], tmp_path / "there")
    assert [(r["id"], r["same"], r["second_verdict"]) for r in rows] == [("c1", "yes", "holds"),
                                                                          ("c2", "no", "missing")]
