# Claims of the report (config `claims:`), judged per experiment from its
# per-seed table, then gathered into one verdict table. Changing a claim
# changes only these jobs' params: only verdicts are redone. The jobs take
# milliseconds: a shell command into a plain-Python entry point starts far
# faster than a `script:` (or a `run:`, which spawns a whole Snakemake).


def claims_about(name):
    return [claim for claim in CLAIMS if claim["experiment"] == name]


def experiments_with_claims():
    return list(dict.fromkeys(claim["experiment"] for claim in CLAIMS))


def claims_file(name):
    return f"{RESULTS}/claims/{name}.csv"


rule judge_claims:
    input:
        f"{RESULTS}/aggregate/{{name}}.seeds.csv",
    output:
        f"{RESULTS}/claims/{{name}}.csv",
    wildcard_constraints:
        name="|".join(experiments_with_claims()) or "(?!)",
    params:
        claims_json=lambda w: shlex.quote(json.dumps(claims_about(w.name), sort_keys=True)),
    log:
        f"{RESULTS}/logs/judge_claims/{{name}}.log",
    localrule: True
    shell:
        '"{PYTHON}" {SCRIPTS}/verdicts.py judge --claims {params.claims_json} --seeds {input}'
        " --out {output} > {log} 2>&1"


rule claims_table:
    input:
        [claims_file(name) for name in experiments_with_claims()],
    output:
        csv=f"{RESULTS}/claims.csv",
        md=f"{RESULTS}/claims.md",
        html=report(
            f"{RESULTS}/report/claims.html",
            caption="../report/claims.rst",
            category="1. Verdicts",
            # Read when the report is built (report.smk): the counts, which the front page shows.
            labels=lambda wildcards, output: verdict_labels(output.csv),
        ),
    params:
        preset=PRESET,
        # Ids sort in the report's order (c01, c02a, ...), whatever order the config files merge in.
        order_json=shlex.quote(json.dumps(sorted(claim["id"] for claim in CLAIMS))),
        preset_json=shlex.quote(json.dumps(PRESET, sort_keys=True)),
    log:
        f"{RESULTS}/logs/claims_table.log",
    localrule: True
    shell:
        '"{PYTHON}" {SCRIPTS}/verdicts.py table --order {params.order_json} --preset {params.preset_json}'
        " --csv {output.csv} --md {output.md} --html {output.html} {input}"
        " > {log} 2>&1"


# `.venv/bin/snakemake --cores all claims`: every verdict, and the runs they need.
rule claims:
    input:
        rules.claims_table.output.csv,
        rules.claims_table.output.md,
    localrule: True
