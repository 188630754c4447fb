#!/usr/bin/env bash
# Assembles the Function App in dist/ as the host requires (functions-host.md §1):
# dist/host.json, dist/handler (static linux/amd64), dist/<name>/function.json.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out"
mkdir -p "$out"
cp host.json "$out/host.json"
GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION:-dev}" -o "$out/handler" ./functions
chmod 0755 "$out/handler"
# Each function folder: function.json plus its data files (e.g. the MedTech
# mappings), never Go sources or test data.
for fj in functions/*/function.json; do
  dir=$(dirname "$fj")
  name=$(basename "$dir")
  mkdir -p "$out/$name"
  (cd "$dir" && find . -type f ! -name '*.go' ! -path './testdata/*' -print0 | xargs -0 cp --parents -t "$out/$name")
done
if [[ -f local.settings.json ]]; then cp local.settings.json "$out/local.settings.json"; fi
echo "built $out: $(ls "$out" | tr '\n' ' ')"
