#!/usr/bin/env bash
# Deploys ServerlessChat to one resource group with the Azure CLI: infrastructure first
# (infra/main.bicep), then the Functions code as a zip package, then the web client to the static
# website of its Storage account (infra/publish-web.sh), with config.json pointing at the API.
#
#   infra/deploy.sh <resource-group> <location> <environment-name> [options]
#
#   --what-if                 show what the deployment would change and stop (changes nothing)
#   --cors <origins>          more comma-separated browser origins allowed to call the API (the
#                             web client's own origin always is)
#   --reset-url <url>         base URL of the password reset page
#   --openai                  also deploy Azure OpenAI for the assistant
#   --redis                   also deploy Azure Cache for Redis
#   --infra-only              skip publishing the code and the web client
#
# Running it twice with the same arguments changes nothing: every resource name derives from the
# resource group id and the environment name, the deployment names are fixed, and the JWT
# signing key secret is written only when it does not exist yet.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit "${1:-2}"
}

[[ $# -ge 3 ]] || usage
resource_group=$1
location=$2
env_name=$3
shift 3

what_if=false
infra_only=false
cors=""
reset_url=""
deploy_openai=false
deploy_redis=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --what-if) what_if=true ;;
    --infra-only) infra_only=true ;;
    --openai) deploy_openai=true ;;
    --redis) deploy_redis=true ;;
    --cors) cors=${2:?--cors needs a value}; shift ;;
    --reset-url) reset_url=${2:?--reset-url needs a value}; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
  shift
done

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
template="$repo_root/infra/main.bicep"
project="$repo_root/functions/ServerlessChat.Functions"
deployment_name="serverlesschat-$env_name"

need() {
  command -v "$1" >/dev/null || { echo "$1 is required" >&2; exit 1; }
}
need az
if ! $what_if && ! $infra_only; then
  need dotnet
  need zip
  need npm
fi

# ["a","b"] from "a,b" (origins contain no quotes or commas).
cors_json="[]"
if [[ -n "$cors" ]]; then
  cors_json="[\"${cors//,/\",\"}\"]"
fi

# The signed-in user gets Key Vault Secrets Officer so it can read the secrets; a service
# principal login has no signed-in user, and is then left out.
principal_id=$(az ad signed-in-user show --query id -o tsv 2>/dev/null || true)

params=(
  "environmentName=$env_name"
  "location=$location"
  "corsAllowedOrigins=$cors_json"
  "emailResetUrlBase=$reset_url"
  "principalId=$principal_id"
  "deployOpenAi=$deploy_openai"
  "deployRedis=$deploy_redis"
)

if $what_if; then
  if [[ "$(az group exists --name "$resource_group")" != "true" ]]; then
    echo "Resource group $resource_group does not exist: a deployment would create it and every resource."
    exit 0
  fi
  az deployment group what-if \
    --resource-group "$resource_group" \
    --name "$deployment_name" \
    --template-file "$template" \
    --parameters "${params[@]}"
  exit 0
fi

echo "==> resource group $resource_group ($location)"
az group create --name "$resource_group" --location "$location" \
  --tags "azd-env-name=$env_name" --output none

echo "==> infrastructure (deployment $deployment_name)"
az deployment group create \
  --resource-group "$resource_group" \
  --name "$deployment_name" \
  --template-file "$template" \
  --parameters "${params[@]}" \
  --output none

output() {
  az deployment group show --resource-group "$resource_group" --name "$deployment_name" \
    --query "properties.outputs.$1.value" --output tsv
}
app_name=$(output AZURE_FUNCTION_APP_NAME)
api_uri=$(output SERVICE_API_URI)
signalr_host=$(output SIGNALR_HOSTNAME)
key_vault=$(output AZURE_KEY_VAULT_NAME)
web_account=$(output AZURE_WEB_STORAGE_ACCOUNT_NAME)
web_uri=$(output WEB_CLIENT_URI)

if ! $infra_only; then
  echo "==> code ($app_name)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  dotnet publish "$project" --configuration Release --output "$work/publish" --nologo
  (cd "$work/publish" && zip -q -r -X "$work/app.zip" .)
  az functionapp deployment source config-zip \
    --resource-group "$resource_group" \
    --name "$app_name" \
    --src "$work/app.zip" \
    --output none

  echo "==> web client ($web_account)"
  "$repo_root/infra/publish-web.sh" "$web_account" "$api_uri"
fi

cat <<SUMMARY
==> done
  function app : $app_name
  API          : $api_uri/api
  web client   : $web_uri
  SignalR      : $signalr_host
  Key Vault    : $key_vault
SUMMARY
