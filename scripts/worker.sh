#!/usr/bin/env bash
# Background task workers (`make worker`): runs the database queue's `db_worker` for ever.
#
# Each db_worker process exits after WORKER_MAX_TASKS tasks (its --max-tasks option) and this
# loop starts a fresh one, so the memory that a large PDF or workbook took goes back to the
# system with the process and a long-running worker never grows. Run one loop per core on as
# many machines as needed: they share the queue through the database and never take the same
# task twice. SIGTERM or Ctrl+C lets the running task finish, then stops.
#
# Settings: WORKER_PYTHON (.venv/bin/python), WORKER_MAX_TASKS (5), WORKER_QUEUES
# (exports,default), WORKER_INTERVAL (seconds between looks at an empty queue, 1), and the
# usual DJANGO_SETTINGS_MODULE / DATABASE_URL.
set -u
cd "$(dirname "$0")/.."
python_bin=${WORKER_PYTHON:-.venv/bin/python}
max_tasks=${WORKER_MAX_TASKS:-5}
queues=${WORKER_QUEUES:-exports,default}
interval=${WORKER_INTERVAL:-1}
child=0

stop() {
    if [ "$child" -ne 0 ]; then
        kill -TERM "$child" 2>/dev/null
        wait "$child"
    fi
    exit 0
}
trap stop TERM INT

while true; do
    "$python_bin" manage.py db_worker --queue-name "$queues" --max-tasks "$max_tasks" \
        --interval "$interval" --no-reload &
    child=$!
    wait "$child"
    status=$?
    child=0
    if [ "$status" -ne 0 ]; then
        # A worker that cannot start (database down, bad settings) must not spin.
        echo "worker: db_worker exited with status $status; starting a new one in 5 s" >&2
        sleep 5
    fi
done
