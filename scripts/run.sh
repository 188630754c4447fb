#!/usr/bin/env bash
# `make run`: a complete local stand-in for an AHDS workspace plus the handler,
# with sample data, serving until Ctrl-C. Expects `make build` and
# `scripts/stack.sh install` to have run (make run does both).
#
#   1. Orthanc + DICOMweb, the FHIR dev server and Azurite, data kept in .local/data
#   2. the workspace emulation (Azure-shaped DICOMweb and change feed, FHIR front,
#      Event Grid delivery, Event Hubs stand-in) starting dist/handler as the host does
#   3. sample data: a synthetic multi-series CT study over STOW-RS and a minute of
#      seed-format device telemetry over the Event Hubs REST send API
#   4. a summary of what happened and where to look; Ctrl-C stops everything
#
# This is a local stand-in for development, not a replacement for Azure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LOCAL=.local
mkdir -p "$LOCAL/bin" "$LOCAL/logs" "$LOCAL/run"
rm -f "$LOCAL/endpoints.json"

t0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }
step() { printf '\033[1m▸ %s\033[0m\n' "$*"; }
done_() { printf '  \033[32m✓\033[0m %s (%s ms)\n' "$*" "$(ms)"; }
die() { printf '  \033[31m✗ %s\033[0m\n' "$*" >&2; exit 1; }
json_field() { grep -o "\"$1\": *\"[^\"]*\"" "$2" | head -1 | sed 's/.*: *"\(.*\)"/\1/'; }

workspace_pid=
cleanup() {
  trap - INT TERM EXIT
  echo
  step "stopping"
  if [[ -n $workspace_pid ]] && kill -0 "$workspace_pid" 2>/dev/null; then
    kill "$workspace_pid" 2>/dev/null || true
    wait "$workspace_pid" 2>/dev/null || true
    echo "  stopped workspace and handler (pid $workspace_pid)"
  fi
  scripts/stack.sh stop || true
}
trap cleanup INT TERM EXIT

step "local services (Orthanc + DICOMweb, FHIR dev server, Azurite)"
scripts/stack.sh start --persist "$LOCAL/data"
stack_file=$LOCAL/stack.json
storage=$(json_field storage "$stack_file")
done_ "services ready"

step "building the workspace emulation and the ahds CLI"
go build -o "$LOCAL/bin/workspace" ./cmd/workspace
go build -o "$LOCAL/bin/ahds" ./cmd/ahds
done_ "built"

step "workspace emulation + handler (dist/)"
# The handler's settings: it talks to the workspace's fronts, so its FHIR
# writes raise FHIR events and the DICOM front is Azure-shaped.
export FUNCTIONS_WORKER_RUNTIME=custom AzureWebJobsStorage="$storage" LOG_LEVEL=${LOG_LEVEL:-info}
export FHIR_BASE_URL=http://127.0.0.1:${WORKSPACE_FHIR_PORT:-8081}
export DICOM_SERVICE_URL=http://127.0.0.1:${WORKSPACE_DICOM_PORT:-8043} DICOM_SERVICE_KIND=azure
export DEVICE_EVENTHUB_NAME=device-telemetry DEVICE_EVENTHUB_CONSUMER_GROUP='$Default'
export MEDTECH_DEVICE_MAPPING=${MEDTECH_DEVICE_MAPPING:-device-telemetry/mappings/devicecontent.json}
export MEDTECH_FHIR_MAPPING=${MEDTECH_FHIR_MAPPING:-device-telemetry/mappings/fhirmapping.json}
export MEDTECH_IDENTITY_MODE=${MEDTECH_IDENTITY_MODE:-Create}
"$LOCAL/bin/workspace" -start-handler -app dist \
  -orthanc-url "$(json_field orthanc "$stack_file")" -fhir-url "$(json_field fhir "$stack_file")" -storage "$storage" \
  -endpoints "$LOCAL/endpoints.json" -changefeed "$LOCAL/data/dicom-changefeed.jsonl" -time-factor "${WORKSPACE_TIME_FACTOR:-60}" \
  >"$LOCAL/logs/workspace.log" 2>&1 &
workspace_pid=$!
echo "$workspace_pid" >"$LOCAL/run/workspace.pid"
for _ in $(seq 1 300); do
  [[ -s $LOCAL/endpoints.json ]] && break
  kill -0 "$workspace_pid" 2>/dev/null || { tail -n 20 "$LOCAL/logs/workspace.log" >&2; die "workspace exited"; }
  sleep 0.1
done
[[ -s $LOCAL/endpoints.json ]] || { tail -n 20 "$LOCAL/logs/workspace.log" >&2; die "workspace did not write $LOCAL/endpoints.json within 30 s"; }
fhir=$(json_field fhir "$LOCAL/endpoints.json")
dicomweb=$(json_field dicomweb "$LOCAL/endpoints.json")
eventhubs=$(json_field eventHubs "$LOCAL/endpoints.json")
done_ "endpoints written to $LOCAL/endpoints.json"

step "sample data"
study_uid="2.25.$(date +%s%N)"
"$LOCAL/bin/ahds" simulate study --url "$dicomweb" --study-uid "$study_uid" --series 3 --instances 20
telemetry_start=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
"$LOCAL/bin/ahds" simulate devices --url "$eventhubs" --devices 10 --duration 1m --start "$telemetry_start"
done_ "loaded"

step "waiting for the functions to write FHIR resources"
count() { curl -fsS "$fhir/$1&_summary=count" 2>/dev/null | grep -o '"total": *[0-9]*' | grep -o '[0-9]*$' || echo 0; }
studies=0 observations=0
for _ in $(seq 1 120); do
  studies=$(count "ImagingStudy?identifier=urn:dicom:uid%7Curn:oid:$study_uid")
  observations=$(count "Observation?code=http://loinc.org%7C8867-4&date=ge$telemetry_start")
  [[ $studies -ge 1 && $observations -ge 600 ]] && break
  sleep 0.5
done
done_ "ImagingStudy for $study_uid: $studies; heart-rate Observations of this run: $observations of 600"

cat <<EOF2

The local AHDS workspace is running (a local stand-in, not Azure):
  FHIR          $fhir            e.g. curl '$fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$study_uid'
  DICOMweb      $dicomweb        e.g. curl '$dicomweb/studies/$study_uid/metadata'
  Event Hubs    $eventhubs       ahds simulate devices --url $eventhubs
  Storage       Azurite on 127.0.0.1:10000-10002 (dead letters: AzureWebJobsStorage=... $LOCAL/bin/ahds deadletter list)
  endpoints     $LOCAL/endpoints.json
  logs          $LOCAL/logs/ (workspace.log holds the handler's console output)

Send a study of your own with STOW-RS to $dicomweb/studies, or device messages in the seed format
with the Event Hubs REST send API; they show up as FHIR resources within seconds. Ctrl-C stops everything.
EOF2
wait "$workspace_pid"
