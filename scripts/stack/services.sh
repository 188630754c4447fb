# Start, readiness and stop of the three services (sourced by scripts/stack.sh).
# shellcheck shell=bash

# launch NAME CMD...: starts CMD in the background, records its PID and log.
launch() {
  local name=$1
  shift
  : >"$(log_file "$name")"
  "$@" </dev/null >>"$(log_file "$name")" 2>&1 &
  echo $! >"$(pid_file "$name")"
}

# wait_ready NAME TIMEOUT_S PROBE...: polls PROBE every 0.1 s while the service lives;
# PROBE exit status 2 means up but unusable (fails at once).
wait_ready() {
  local name=$1 timeout=$2
  shift 2
  local deadline=$(($(now_ms) + timeout * 1000))
  while (($(now_ms) < deadline)); do
    if ! service_pid "$name" >/dev/null; then
      log "$name exited during start-up; last lines of $(log_file "$name"):"
      log_tail "$name"
      return 1
    fi
    local rc=0
    "$@" || rc=$?
    case $rc in
      0) return 0 ;;
      2)
        log "$name answers but is not usable; last lines of $(log_file "$name"):"
        log_tail "$name"
        return 1
        ;;
    esac
    sleep 0.1
  done
  log "$name not ready after ${timeout} s; last lines of $(log_file "$name"):"
  log_tail "$name"
  return 1
}

probe_orthanc() {
  local sys plugins
  sys=$(curl -fsS --max-time 2 "http://127.0.0.1:$ORTHANC_PORT/system" 2>/dev/null) || return 1
  [[ $sys == *'"Version"'* ]] || return 1
  plugins=$(curl -fsS --max-time 2 "http://127.0.0.1:$ORTHANC_PORT/plugins" 2>/dev/null) || return 1
  if [[ $plugins != *'"dicom-web"'* ]]; then
    log "orthanc is up but /plugins does not list dicom-web: $plugins"
    return 2
  fi
}

probe_fhir() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$FHIR_PORT/metadata" 2>/dev/null
}

probe_azurite() {
  port_busy "$AZURITE_BLOB_PORT" && port_busy "$AZURITE_QUEUE_PORT" && port_busy "$AZURITE_TABLE_PORT"
}

start_orthanc() {
  local data=$1
  mkdir -p "$data"
  "$NODE_BIN" "$ROOT/scripts/stack/orthanc-config.mjs" "$ROOT/scripts/orthanc.json" "$data" "$ORTHANC_PORT" \
    >"$RUN_DIR/orthanc.json"
  launch orthanc "$ORTHANC_BIN" "$RUN_DIR/orthanc.json"
}

start_fhir() {
  local data_file=$1
  launch fhir env PORT="$FHIR_PORT" HOST=127.0.0.1 FHIR_DATA_FILE="$data_file" \
    "$NODE_BIN" "$FHIR_DIR/src/main.js"
}

start_azurite() {
  local location=$1
  local args=(--blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT"
    --queueHost 127.0.0.1 --queuePort "$AZURITE_QUEUE_PORT"
    --tableHost 127.0.0.1 --tablePort "$AZURITE_TABLE_PORT"
    --skipApiVersionCheck --loose --disableTelemetry)
  local cwd=$RUN_DIR/azurite
  if [[ -z $location ]]; then
    args+=(--inMemoryPersistence --extentMemoryLimit 1024)
  else
    args+=(--location "$location")
    cwd=$location
  fi
  mkdir -p "$cwd"
  # Run from its own directory: Azurite may write files into its working directory.
  # shellcheck disable=SC2016  # $1/$@ belong to the inner shell
  launch azurite bash -c 'cd "$1" && shift && exec "$@"' azurite "$cwd" "$NODE_BIN" "$AZURITE_MAIN" "${args[@]}"
}

# stop_service NAME: SIGTERM by recorded PID, wait up to 10 s, then SIGKILL.
stop_service() {
  local name=$1 pid i
  if ! pid=$(service_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop in 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$(pid_file "$name")"
  log "stopped $name (pid $pid)"
}

write_stack_file() {
  local blob="http://127.0.0.1:$AZURITE_BLOB_PORT/$AZURITE_ACCOUNT"
  local queue="http://127.0.0.1:$AZURITE_QUEUE_PORT/$AZURITE_ACCOUNT"
  local table="http://127.0.0.1:$AZURITE_TABLE_PORT/$AZURITE_ACCOUNT"
  local conn="DefaultEndpointsProtocol=http;AccountName=$AZURITE_ACCOUNT;AccountKey=$AZURITE_KEY;BlobEndpoint=$blob;QueueEndpoint=$queue;TableEndpoint=$table;"
  cat >"$STACK_FILE.tmp" <<JSON
{
  "fhir": "http://127.0.0.1:$FHIR_PORT",
  "orthanc": "http://127.0.0.1:$ORTHANC_PORT",
  "storage": "$conn",
  "blobUrl": "$blob"
}
JSON
  mv "$STACK_FILE.tmp" "$STACK_FILE"
}
