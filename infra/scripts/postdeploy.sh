#!/bin/sh
# azd postdeploy hook (spec infra.md §10): build dist/, publish it to the Flex
# Consumption app, then deploy phase 2 (infra/events.bicep). Phase 2 must run
# after publishing: an AzureFunction event subscription fails with
# "Destination endpoint not found" until the eventGridTrigger function exists
# (Azure/bicep#11656). Run from Linux or macOS only: publishing from Windows
# drops the handler's executable bit (Azure/azure-functions-core-tools#2510).
set -eu

cd "$(dirname "$0")/../.."

get() { azd env get-value "$1"; }
APP=$(get AZURE_FUNCTION_APP_NAME)
RG=$(get AZURE_RESOURCE_GROUP)
TOPIC=$(get SYSTEM_TOPIC_NAME)
STORAGE=$(get STORAGE_ACCOUNT_NAME)
WORKSPACE=$(get AHDS_WORKSPACE_NAME)
DLQ=$(get EVENTGRID_DEADLETTER_CONTAINER_NAME)

# 1. Assemble the app root (functions-host.md §1): the project's build script,
# or the same steps inline.
if [ -x scripts/build.sh ]; then
	./scripts/build.sh dist
else
	handler=$(sed -n 's/.*"defaultExecutablePath"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' host.json | head -n 1)
	handler=${handler:-handler}
	rm -rf dist && mkdir -p dist
	cp host.json dist/host.json
	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -o "dist/$handler" ./functions
	for fj in functions/*/function.json; do
		[ -f "$fj" ] || continue
		name=$(basename "$(dirname "$fj")")
		mkdir -p "dist/$name" && cp "$fj" "dist/$name/function.json"
	done
fi

# 2. Publish. Core Tools first; fall back to a zip deploy if it refuses a
# custom-runtime Flex app (Azure/azure-functions-core-tools#4642).
if ! (cd dist && func azure functionapp publish "$APP" --custom); then
	echo "postdeploy: func publish failed, trying zip deploy" >&2
	rm -f dist.zip
	(cd dist && zip -qr ../dist.zip . -x local.settings.json)
	az functionapp deployment source config-zip -g "$RG" -n "$APP" --src dist.zip
fi

# 3. Phase 2. Trigger sync right after publishing can lag: retry while Event
# Grid cannot see the functions yet.
attempt=1
while :; do
	if out=$(az deployment group create -g "$RG" -n events -f infra/events.bicep \
		-p functionAppName="$APP" systemTopicName="$TOPIC" storageAccountName="$STORAGE" \
		workspaceName="$WORKSPACE" deadLetterContainerName="$DLQ" 2>&1); then
		echo "postdeploy: event subscriptions deployed"
		break
	fi
	if [ "$attempt" -ge 6 ] || ! printf '%s' "$out" | grep -q 'Destination endpoint not found'; then
		printf '%s\n' "$out" >&2
		exit 1
	fi
	echo "postdeploy: functions not visible to Event Grid yet (attempt $attempt), waiting 30 s" >&2
	attempt=$((attempt + 1))
	sleep 30
done
