# Where the jobs run is known from onstart on (workflow.executor_plugin): under
# the Slurm profile, ask Slurm before submitting whether it takes the jobs;
# locally, check this machine's memory and start the training server.
import os
import sys

from rnnadd.ops.cluster import SlurmTargetError, check_slurm_target


def _slurm_targets():
    """{(partition, account, qos): {rule: the most its jobs ask for}} of the jobs to submit."""
    targets = {}
    # --slurm-qos applies to every submission; a rule's `qos` resource to its own.
    qos_everywhere = getattr(workflow.executor_settings, "qos", None) or ""
    for job in workflow.dag.needrun_jobs():
        if not job.is_local:
            resources = job.resources
            target = (
                str(resources.get("slurm_partition") or ""),
                str(resources.get("slurm_account") or ""),
                str(qos_everywhere or resources.get("qos") or ""),
            )
            asked = targets.setdefault(target, {}).setdefault(job.rule.name, {"mem_mb": 0, "runtime": 0, "cpus": 0})
            # The plugin asks Slurm for mem_mb (--mem), runtime (-t) and threads (--cpus-per-task).
            for key, value in (
                ("mem_mb", resources.get("mem_mb") or 0),
                ("runtime", resources.get("runtime") or 0),
                ("cpus", job.threads),
            ):
                asked[key] = max(asked[key], value)
    return targets


def _source(value, variable, resource):
    return variable if value and os.environ.get(variable, "") == value else f"resource {resource}"


# onstart runs after the DAG is built and before the first job, and never
# inside a submitted job (those run with --no-hooks) nor in a dry run.
onstart:
    # Here and on Slurm (this process submits the jobs): far fewer idle scheduling rounds.
    engine.coalesce_reevaluations(workflow)
    if workflow.executor_plugin is not None and workflow.executor_plugin.name == "slurm":
        for (partition, account, qos), requests in sorted(_slurm_targets().items()):
            try:
                check_slurm_target(
                    partition,
                    account,
                    qos,
                    source={
                        "partition": _source(partition, "SLURM_PARTITION", "slurm_partition"),
                        "account": _source(account, "SLURM_ACCOUNT", "slurm_account"),
                        "qos": "--slurm-qos or resource qos",
                    },
                    requests=requests,
                )
            except SlurmTargetError as error:
                # One line and a failed exit; a WorkflowError would add a traceback here.
                logger.error(f"Nothing was submitted. {error}")
                sys.exit(1)
    else:
        check_this_machines_memory()  # common.smk
        start_train_server()  # train.smk
