"""Daily streamtrain run from Airflow: ingest what arrived, rebuild curated data, train, evaluate.

Each task is a spark-submit of the one application jar. The Airflow run date is the run id, so a retry or a
backfill of the same date rewrites that run's outputs instead of adding to them; ingest takes exactly the Kafka
records that no earlier run took (offsets live in the warehouse's checkpoint).

For a machine without a cluster, replace SUBMIT by the local launcher: "jobs/bin/streamtrain".
"""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

SUBMIT = (
    "spark-submit --master yarn --deploy-mode cluster "
    "--files /opt/streamtrain/conf/cluster.conf "
    "--conf spark.executorEnv.OMP_NUM_THREADS=1 "
    "/opt/streamtrain/streamtrain.jar"
)
# The same commands, locally:
#   jobs/bin/streamtrain ingest --conf conf/local.conf --run-id 2026-11-23
#   jobs/bin/streamtrain preprocess --conf conf/local.conf --run-id 2026-11-23
#   jobs/bin/streamtrain train --conf conf/local.conf --run-id 2026-11-23
#   jobs/bin/streamtrain evaluate --conf conf/local.conf --run-id 2026-11-23

with DAG(
    dag_id="streamtrain_daily",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,  # runs share the ingest checkpoint: one at a time
    default_args={"retries": 2},
) as dag:
    stages = ["ingest", "preprocess", "train", "evaluate"]
    tasks = [
        BashOperator(
            task_id=stage,
            bash_command=f"{SUBMIT} {stage} --conf cluster.conf --run-id {{{{ ds_nodash }}}}",
        )
        for stage in stages
    ]
    for upstream, downstream in zip(tasks, tasks[1:]):
        upstream >> downstream
