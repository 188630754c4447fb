#!/usr/bin/env bash
# Local stand-ins for Azure: Orthanc + DICOMweb, the FHIR dev server, Azurite.
# See shared/spec/local-stack.md and tests/stack/stack.go.
#
#   scripts/stack.sh install                 apt/npm installs (idempotent, fast when present)
#   scripts/stack.sh start [--memory]        fresh, in-memory services (tests; the default)
#   scripts/stack.sh start --persist [DIR]   data kept in DIR (default .local/data) for `make run`
#   scripts/stack.sh stop                    stop by recorded PID and wait
#   scripts/stack.sh status                  one line per service
#   scripts/stack.sh check-fhir              the FHIR dev server's check suite (node --test)
#
# Ports: ORTHANC_PORT (8042), FHIR_PORT (8080), AZURITE_BLOB_PORT (10000),
# AZURITE_QUEUE_PORT (10001), AZURITE_TABLE_PORT (10002). Every service binds or is
# restricted to loopback. `start` writes .local/stack.json (tests/stack.Endpoints);
# AHDS_LOCAL_DIR (default .local) moves it, the PID files, logs and data elsewhere.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=stack/lib.sh
source "$ROOT/scripts/stack/lib.sh"
# shellcheck source=stack/install.sh
source "$ROOT/scripts/stack/install.sh"
# shellcheck source=stack/services.sh
source "$ROOT/scripts/stack/services.sh"

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

check_installed() {
  [[ -x $NODE_BIN ]] || die "Node $NODE_VERSION missing: run scripts/stack.sh install"
  [[ -x $ORTHANC_BIN && -f $DICOMWEB_PLUGIN ]] || die "Orthanc or its DICOMweb plugin missing: run scripts/stack.sh install"
  [[ -d $FHIR_DIR/node_modules/@medplum/fhir-router ]] || die "fhir-dev-server dependencies missing: run scripts/stack.sh install"
  [[ -f $AZURITE_MAIN ]] || die "Azurite missing: run scripts/stack.sh install"
}

check_ports() {
  local -A seen=()
  local spec var port
  for spec in orthanc:ORTHANC_PORT fhir:FHIR_PORT azurite-blob:AZURITE_BLOB_PORT \
    azurite-queue:AZURITE_QUEUE_PORT azurite-table:AZURITE_TABLE_PORT; do
    var=${spec#*:}
    port=${!var}
    [[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || die "$var=$port is not a TCP port"
    [[ -z ${seen[$port]:-} ]] || die "$var and ${seen[$port]} are both $port"
    seen[$port]=$var
    if port_busy "$port"; then
      die "port $port for ${spec%%:*} is already in use on 127.0.0.1 (is another stack running? try scripts/stack.sh status / stop, or set $var to a free port)"
    fi
  done
}

cmd_start() {
  local mode=memory dir=
  while (($#)); do
    case $1 in
      --memory) mode=memory ;;
      --persist)
        mode=persist
        if [[ ${2:-} && $2 != --* ]]; then
          dir=$2
          shift
        fi
        ;;
      *) usage ;;
    esac
    shift
  done
  check_installed
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local s pid
  for s in "${SERVICES[@]}"; do
    if pid=$(service_pid "$s"); then
      die "$s is already running (pid $pid): run scripts/stack.sh stop first"
    fi
  done
  check_ports
  rm -f "$STACK_FILE"

  local orthanc_data fhir_file='' azurite_dir=''
  if [[ $mode == memory ]]; then
    mkdir -p "$LOCAL_DIR/tmp"
    orthanc_data=$(mktemp -d "$LOCAL_DIR/tmp/orthanc.XXXXXX")
    echo "$orthanc_data" >"$RUN_DIR/orthanc.tmpdir"
  else
    dir=${dir:-$LOCAL_DIR/data}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    orthanc_data=$dir/orthanc
    fhir_file=$dir/fhir.jsonl
    azurite_dir=$dir/azurite
  fi

  local t0
  t0=$(now_ms)
  start_orthanc "$orthanc_data"
  start_fhir "$fhir_file"
  start_azurite "$azurite_dir"
  local failed=() times=()
  wait_ready orthanc 15 probe_orthanc || failed+=(orthanc)
  times+=("orthanc $(($(now_ms) - t0)) ms")
  wait_ready fhir 60 probe_fhir || failed+=(fhir)
  times+=("fhir $(($(now_ms) - t0)) ms")
  wait_ready azurite 30 probe_azurite || failed+=(azurite)
  times+=("azurite $(($(now_ms) - t0)) ms")
  if ((${#failed[@]})); then
    cmd_stop >/dev/null 2>&1 || true
    die "failed to start: ${failed[*]} (logs in ${LOG_DIR#"$ROOT"/}/)"
  fi
  write_stack_file
  printf 'ORTHANC_PORT=%s\nFHIR_PORT=%s\nAZURITE_BLOB_PORT=%s\nAZURITE_QUEUE_PORT=%s\nAZURITE_TABLE_PORT=%s\n' \
    "$ORTHANC_PORT" "$FHIR_PORT" "$AZURITE_BLOB_PORT" "$AZURITE_QUEUE_PORT" "$AZURITE_TABLE_PORT" >"$RUN_DIR/ports.env"
  log "ready ($mode) in $(($(now_ms) - t0)) ms [${times[*]}]: orthanc :$ORTHANC_PORT, fhir :$FHIR_PORT, azurite :$AZURITE_BLOB_PORT-$AZURITE_TABLE_PORT"
  log "export AHDS_STACK_FILE=$STACK_FILE"
}

cmd_stop() {
  local s
  for s in azurite fhir orthanc; do
    stop_service "$s"
  done
  if [[ -f $RUN_DIR/orthanc.tmpdir ]]; then
    local tmp
    tmp=$(<"$RUN_DIR/orthanc.tmpdir")
    [[ $tmp == "$LOCAL_DIR/tmp/orthanc."* ]] && rm -rf "$tmp"
    rm -f "$RUN_DIR/orthanc.tmpdir"
  fi
  rm -f "$STACK_FILE" "$RUN_DIR/ports.env"
}

cmd_status() {
  local s pid state rc=0 rss
  # The ports of the running stack, whatever the environment says now.
  # shellcheck disable=SC1091
  [[ -f $RUN_DIR/ports.env ]] && source "$RUN_DIR/ports.env"
  for s in "${SERVICES[@]}"; do
    if pid=$(service_pid "$s"); then
      rss=$(awk '/^VmRSS/ {printf "%d MB", $2/1024}' "/proc/$pid/status" 2>/dev/null)
      if "probe_$s" 2>/dev/null; then state="ready"; else state="running, not answering"; rc=1; fi
      printf '%-8s %s (pid %s, rss %s, log %s)\n' "$s" "$state" "$pid" "$rss" "${LOG_DIR#"$ROOT"/}/$s.log"
    else
      printf '%-8s stopped\n' "$s"
      rc=1
    fi
  done
  [[ -f $STACK_FILE ]] && printf 'endpoints: %s\n' "$STACK_FILE"
  return $rc
}

cmd_check_fhir() {
  check_installed
  cd "$FHIR_DIR"
  "$NODE_BIN" --test test/*.test.js
}

case ${1:-} in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop ;;
  status) shift; cmd_status ;;
  check-fhir) shift; cmd_check_fhir ;;
  *) usage ;;
esac
