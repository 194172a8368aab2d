# Helpers of the rules in workflow/rules/cluster.smk (snakemake --lint keeps functions apart from rules).


def check_this_machines_memory():
    """Where jobs run on this machine, refuse in one line a run or analysis too big for its
    memory. Called from onstart (cluster.smk): the first moment Snakemake says where jobs
    run, after the plan and before the first job."""
    if not engine.jobs_run_here(workflow):
        return
    try:
        # The config as checked above (command-line values merged in), now with the memory check.
        load(
            copy.deepcopy(config),
            schema=SCHEMA,
            reserved_names=rule_names(Path(workflow.basedir)),
            jobs_run_here=True,
        )
    except ConfigError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
