# Running under the Slurm profile: check the target before submitting, and
# make a failed submission say why.
import os
import sys

from rnnadd.ops.cluster import SlurmTargetError, check_slurm_target

# Snakemake 9.27 drops the message of a failed *group* job (GroupJob.log_error
# ignores msg), so a refused submission of a training bundle said only "Error
# in group ..." and sbatch's own words were lost. Print the message first.
if not workflow.remote_exec:
    from snakemake.jobs import GroupJob

    _group_log_error = GroupJob.log_error

    def _group_log_error_with_message(self, msg=None, aux_logs=None, **kwargs):
        if msg:
            # The plugin's message goes on to the whole sbatch call (--verbose shows it).
            reason = " ".join(str(msg).split("\n    sbatch call:")[0].split())
            logger.error(f"Error in group {self.groupid}: {reason}")
        return _group_log_error(self, msg, aux_logs, **kwargs)

    GroupJob.log_error = _group_log_error_with_message


def _slurm_targets():
    """Each (partition, account, qos) that the jobs to submit ask for."""
    targets = set()
    # --slurm-qos applies to every submission; a rule's `qos` resource to its own.
    qos_everywhere = getattr(workflow.executor_settings, "qos", None) or ""
    for job in workflow.dag.needrun_jobs():
        if not job.is_local:
            resources = job.resources
            targets.add(
                (
                    str(resources.get("slurm_partition") or ""),
                    str(resources.get("slurm_account") or ""),
                    str(qos_everywhere or resources.get("qos") or ""),
                )
            )
    return targets


def _source(value, variable, resource):
    return variable if value and os.environ.get(variable, "") == value else f"resource {resource}"


# onstart runs after the DAG is built and before the first job, and never
# inside a submitted job (those run with --no-hooks) nor in a dry run.
onstart:
    if workflow.executor_plugin is not None and workflow.executor_plugin.name == "slurm":
        for partition, account, qos in sorted(_slurm_targets()):
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
                )
            except SlurmTargetError as error:
                # One line and a failed exit; a WorkflowError would add a traceback here.
                logger.error(f"Nothing was submitted. {error}")
                sys.exit(1)
    else:
        start_train_server()  # train.smk
