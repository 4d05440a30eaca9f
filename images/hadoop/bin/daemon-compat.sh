#!/usr/bin/env bash
# Hadoop 2 style wrappers kept for the guide's commands:
#   hadoop-daemon.sh [--config DIR] start|stop|status namenode|datanode|journalnode|zkfc
#   yarn-daemon.sh   [--config DIR] start|stop|status resourcemanager|nodemanager
# They call `hdfs --daemon ACTION NAME` / `yarn --daemon ACTION NAME`.
set -euo pipefail
conf=()
if [ "${1:-}" = --config ]; then conf=(--config "$2"); shift 2; fi
[ $# -ge 2 ] || { echo "Usage: $(basename "$0") [--config dir] (start|stop|status) <command>" >&2; exit 1; }
action=$1 cmd=$2; shift 2
case "$(basename "$0")" in
  yarn-daemon.sh) exec yarn "${conf[@]}" --daemon "$action" "$cmd" "$@" ;;
  *) case "$cmd" in
       resourcemanager|nodemanager) exec yarn "${conf[@]}" --daemon "$action" "$cmd" "$@" ;;
       zookeeper) exec zookeeper "${conf[@]}" --daemon "$action" server "$@" ;;
       *) exec hdfs "${conf[@]}" --daemon "$action" "$cmd" "$@" ;;
     esac ;;
esac
