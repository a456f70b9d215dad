#!/usr/bin/env bash
# Publishes the web client (functions/ServerlessChat.Standalone/wwwroot) to the static website of its
# Storage account, with config.json pointing the page at the Function App's API.
#
#   infra/publish-web.sh <web-storage-account> <api-base-uri>
#
#   e.g. infra/publish-web.sh stweb1234abcd https://func-api-1234abcd.azurewebsites.net
#
# Without arguments it takes AZURE_WEB_STORAGE_ACCOUNT_NAME and SERVICE_API_URI from the environment,
# as `azd` hooks get them from the deployment's outputs. Signs in to Storage with the Azure CLI login
# (the account takes no shared keys): the caller needs Storage Blob Data Contributor on it, which the
# deployment grants to its principalId. Running it again uploads the same files again and changes nothing else.
set -euo pipefail

account=${1:-${AZURE_WEB_STORAGE_ACCOUNT_NAME:-}}
api_uri=${2:-${SERVICE_API_URI:-}}
if [[ -z "$account" || -z "$api_uri" ]]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit 2
fi
api_uri=${api_uri%/}

for tool in az; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
client="$repo_root/functions/ServerlessChat.Standalone"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> web client files"
# The JS SDK (SignalR client inside) is the checked-in bundle in wwwroot/sdk (clients/js `npm run bundle`).
cp -R "$client/wwwroot" "$work/site"
printf '{ "apiBase": "%s/api" }\n' "$api_uri" > "$work/site/config.json"

echo "==> static website of $account"
# A data-plane setting: Bicep cannot switch it on.
az storage blob service-properties update \
  --account-name "$account" --auth-mode login \
  --static-website --index-document index.html --404-document index.html \
  --output none

echo "==> upload to \$web"
# no-cache: browsers revalidate, so a new deployment (and its config.json) is seen at once.
az storage blob upload-batch \
  --account-name "$account" --auth-mode login \
  --destination '$web' --source "$work/site" \
  --overwrite --content-cache-control "no-cache" \
  --output none

web_uri=$(az storage account show --name "$account" --query "primaryEndpoints.web" --output tsv)
echo "==> the web client is at $web_uri (API $api_uri/api)"
