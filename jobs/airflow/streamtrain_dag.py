"""Daily streamtrain run from Airflow, every task bound to its data interval and safe to retry.

- ingest takes the Kafka records stamped before the interval's end (range mode with --until): a backfill or a retry
  of a date takes the same records every time, and records of the next day wait for the next run;
- preprocess curates only the landing batches not curated yet (incremental); a retry or a clear takes exactly the
  batches its run took (a clear of an earlier date after later ones changes nothing), and batches a data gate refused
  (exit 4) wait, without stalling later dates, for `preprocess --accept-batch` or `--drop-batch`;
- train fine-tunes the champion on the new rows (a fresh model while there is none) and, on a retry, resumes its own
  checkpoint instead of starting over (--resume-if-checkpointed);
- evaluate --gate promotes the model only if it beats the champion; a rejection exits with code 3, which marks the
  task skipped (not failed, not retried), so "promoted" is skipped and "kept_champion" runs.

The run id is the interval's start date. Tasks are spark-submit runs of the one application jar; for a machine
without a cluster, conn_id "spark_default" can point at local[*]. jobs/airflow/dag_commands.py prints the command
lines this file would run for a date (read with Python's ast, no Airflow needed); AirflowDagIT runs them.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAR = "/opt/streamtrain/streamtrain.jar"
CONF_FILE = "/opt/streamtrain/conf/cluster.conf"
# Shipped with --files and named by its bare name (streamtrain reads it from where spark-submit put it).
CONF = "cluster.conf"
RUN_ID = "{{ data_interval_start.strftime('%Y%m%d') }}"
INTERVAL_END = "{{ data_interval_end.strftime('%Y-%m-%dT%H:%M:%SZ') }}"
# The Java 17 flags a driver started by a cluster manager needs (jobs/bin/lib/spark-env.sh lists them).
OPENS = " ".join("--add-opens=java.base/" + p + "=ALL-UNNAMED" for p in (
    "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
    "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs", "sun.security.action",
    "sun.util.calendar"))
SPARK_CONF = {
    "spark.executorEnv.OMP_NUM_THREADS": "1",
    "spark.driver.extraJavaOptions": OPENS,
}

# Each task's streamtrain arguments, in order; every one ends with COMMON.
COMMON = ["--conf", CONF, "--run-id", RUN_ID]
TASKS = [
    ("ingest", ["ingest", "--mode", "range", "--until", INTERVAL_END]),
    ("preprocess", ["preprocess"]),
    ("train", ["train", "--warm-start", "champion", "--resume-if-checkpointed"]),
    ("evaluate", ["evaluate", "--model", RUN_ID, "--gate"]),
]
# evaluate --gate's exit code when it keeps the champion.
GATE_REJECTED = 3

with DAG(
    dag_id="streamtrain_daily",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,  # runs share the range ledger, the curated ledger and the champion: one at a time
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=4),
    },
) as dag:
    tasks = []
    for task_id, args in TASKS:
        full = args + COMMON
        if task_id == "evaluate":
            # SparkSubmitOperator turns every non-zero exit into a failure; the gate's 3 must stay a decision.
            tasks.append(BashOperator(
                task_id=task_id,
                bash_command="spark-submit --master yarn --deploy-mode client --files " + CONF_FILE + " "
                             + JAR + " " + " ".join(full),
                skip_on_exit_code=GATE_REJECTED,
            ))
        else:
            tasks.append(SparkSubmitOperator(
                task_id=task_id,
                conn_id="spark_default",
                application=JAR,
                files=CONF_FILE,
                conf=SPARK_CONF,
                application_args=full,
            ))
    promoted = EmptyOperator(task_id="promoted")
    kept_champion = EmptyOperator(task_id="kept_champion", trigger_rule="all_skipped")
    for upstream, downstream in zip(tasks, tasks[1:]):
        upstream >> downstream
    tasks[-1] >> [promoted, kept_champion]
