from rnnadd.claims.ledger import read_ledger

# Claims of the report (config `claims:`), judged per experiment from its
# per-seed table, then gathered into one verdict table. Changing a claim
# changes only these jobs' params: only verdicts are redone. The jobs take
# milliseconds: a shell command into a plain-Python entry point starts far
# faster than a `script:` (or a `run:`, which spawns a whole Snakemake).


# The claims about one experiment, as its judging jobs read them: written by Snakemake
# itself (a claim is a params value), so no command line or log carries their JSON.
rule claims_spec:
    output:
        paths.CLAIMS_SPEC,
    log:
        paths.log("claims_spec", "{name}"),
    wildcard_constraints:
        name="|".join(experiments_with_claims()) or "(?!)",
    localrule: True
    params:
        claims=lambda w: claims_about(w.name),
    run:
        write_json(output[0], params.claims)


rule judge_claims:
    input:
        spec=paths.CLAIMS_SPEC,
        seeds=lambda w: seed_tables_read(w.name),
    output:
        paths.CLAIMS,
    log:
        paths.log("judge_claims", "{name}"),
    wildcard_constraints:
        name="|".join(experiments_with_claims()) or "(?!)",
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/verdicts.py" judge --claims @{input.spec} --seeds {input.seeds}'
        " --out {output} > {log} 2>&1"


# Per-seed evidence beside the verdicts as a PNG per experiment, on demand (target
# claim_seeds_plots). The report shows the same values as a strip under each claim
# (figure_claims), drawn without a plotting library, so `all` starts no matplotlib job
# for them.
rule claim_seeds_plot:
    input:
        spec=paths.CLAIMS_SPEC,
        seeds=lambda w: seed_tables_read(w.name),
        results=paths.CLAIMS,
    output:
        paths.CLAIM_SEEDS_PLOT,
    log:
        paths.log("claim_seeds_plot", "{name}"),
    wildcard_constraints:
        name="|".join(experiments_with_claims()) or "(?!)",
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/claim_seeds.py" --claims @{input.spec} --results {input.results}'
        " --out {output} {input.seeds} > {log} 2>&1"


# The claims ledger (docs/claims-ledger.yaml): changes to claims made after numbers they
# judge existed, shown beside their verdicts. A study without one (a copy of the workflow
# alone) has none to show.
LEDGER_FILE = Path(workflow.basedir) / "docs" / "claims-ledger.yaml"
LEDGER_ENTRIES = read_ledger(LEDGER_FILE)["entries"] if LEDGER_FILE.exists() else []


# The verdict table's order, preset and ledger, as its job reads them (see claims_spec).
rule claims_table_spec:
    output:
        paths.CLAIMS_TABLE_SPEC,
    log:
        paths.log("claims_table_spec", "claims_table_spec"),
    localrule: True
    params:
        # Ids sort in the report's order (c01, c02a, ...), whatever order the config files merge in.
        order=sorted(claim["id"] for claim in CLAIMS),
        preset=PRESET,
        ledger=LEDGER_ENTRIES,
    run:
        write_json(output[0], {"order": params.order, "preset": params.preset, "ledger": params.ledger})


rule claims_table:
    input:
        spec=paths.CLAIMS_TABLE_SPEC,
        claims=[claims_file(name) for name in experiments_with_claims()],
    output:
        csv=paths.CLAIMS_TABLE_CSV,
        md=paths.CLAIMS_TABLE_MD,
        html=report(
            paths.REPORT_VERDICTS,
            caption="../report/claims.rst",
            category="1. Verdicts",
            # Read when the report is built (report.smk): the counts, which the front page shows.
            labels=lambda wildcards, output: verdict_labels(output.csv),
        ),
    log:
        paths.log("claims_table", "claims_table"),
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    params:
        # Read by this item's caption (claims.rst): which config made the verdicts.
        preset=PRESET,
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/verdicts.py" table --order @{input.spec} --preset @{input.spec}'
        " --ledger @{input.spec} --csv {output.csv} --md {output.md} --html {output.html} {input.claims}"
        " > {log} 2>&1"


# `.venv/bin/snakemake --cores all claims`: every verdict, and the runs they need.
rule claims:
    input:
        rules.claims_table.output.csv,
        rules.claims_table.output.md,
    localrule: True


# `.venv/bin/snakemake --cores all claim_seeds_plots`: the per-seed figure of every experiment with claims.
rule claim_seeds_plots:
    input:
        claim_seeds_plots(),
    localrule: True
