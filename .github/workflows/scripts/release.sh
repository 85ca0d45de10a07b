#!/usr/bin/env bash
# Releases one model version in one Azure environment, the same way in staging and production:
#   1. the digest goes to the idle slot (release.json + rendered manifests, synced to the serving
#      container; Flux applies them and prunes what is gone);
#   2. wait until Flux has applied that revision and every Deployment is available;
#   3. a smoke request through API Management's preview route (the candidate slot) must answer 2xx;
#   4. traffic moves by the model's rollout policy (APIM named value <model>-green-weight), each
#      step baked while the model's 5xx and p99 alerts are watched: a fired alert puts the weight
#      back and fails the job;
#   5. the old slot is emptied and becomes the next candidate.
# Every value comes from the environment (never interpolated into this script by the workflow).
# Needs: MODEL VERSION DIGEST PLATFORM_ENVIRONMENT AZURE_RESOURCE_GROUP AZURE_STORAGE_ACCOUNT
#   AZURE_AKS_CLUSTER AZURE_API_MANAGEMENT AZURE_SUBSCRIPTION_ID SERVING_LOAD_BALANCER_ADDRESS
#   APIM_SUBNET_CIDR
set -euo pipefail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rg=$AZURE_RESOURCE_GROUP
account=$AZURE_STORAGE_ACCOUNT

az storage blob download --auth-mode login --account-name "$account" --container-name serving \
  --name release.json --file "$work/release.json" --output none
candidate=$(jq -r --arg m "$MODEL" '.models[$m].candidate' "$work/release.json")
[ "$candidate" = blue ] && live=green || live=blue
previous_weight=$(jq -r --arg m "$MODEL" '.models[$m]["green-weight"]' "$work/release.json")

render_and_sync() {
  client_id=$(az identity show -g "$rg" -n "id-mlops-$PLATFORM_ENVIRONMENT-model-serving" --query clientId -o tsv)
  endpoint=$(az appconfig list -g "$rg" --query '[0].endpoint' -o tsv)
  cluster_id=$(az aks show -g "$rg" -n "$AZURE_AKS_CLUSTER" --query id -o tsv)
  # The drift events topic (lib/azure/operations.ts, also the stack output model_events_endpoint).
  events_endpoint=$(az eventgrid topic show -g "$rg" -n "evgt-mlops-$PLATFORM_ENVIRONMENT" --query endpoint -o tsv)
  # Where the in-cluster collector sends the agents' spans (used when release.json has telemetry).
  traces=$(az resource show -g "$rg" -n "appi-mlops-$PLATFORM_ENVIRONMENT" --resource-type microsoft.insights/components \
    --query properties.ConnectionString -o tsv)
  rm -rf "$work/out"
  npx tsx bin/serving.ts render --environment "$PLATFORM_ENVIRONMENT" --release "$work/release.json" \
    --out "$work/out" --serving-client-id "$client_id" --app-configuration-endpoint "$endpoint" \
    --cluster-id "$cluster_id" --events-endpoint "$events_endpoint" \
    --load-balancer-address "$SERVING_LOAD_BALANCER_ADDRESS" --gateway-cidr "$APIM_SUBNET_CIDR" \
    --traces-connection-string "$traces"
  before=$(az k8s-configuration flux show -g "$rg" -c "$AZURE_AKS_CLUSTER" -t managedClusters -n serving \
    --query sourceSyncedCommitId -o tsv)
  # sync, not delete-then-upload: Flux never sees an empty folder (it would prune everything).
  az storage blob sync --auth-mode login --account-name "$account" --container serving \
    --source "$work/out" --delete-destination true
  for _ in $(seq 1 60); do
    read -r state commit < <(az k8s-configuration flux show -g "$rg" -c "$AZURE_AKS_CLUSTER" -t managedClusters \
      -n serving --query '[complianceState, sourceSyncedCommitId]' -o tsv | tr '\n' ' ')
    if [ "$commit" != "$before" ] && [ "$state" = Compliant ]; then return 0; fi
    sleep 20
  done
  echo "Flux did not apply the release within 20 minutes (state: $state)"; return 1
}

set_weight() {
  az apim nv update -g "$rg" --service-name "$AZURE_API_MANAGEMENT" --named-value-id "$MODEL-green-weight" \
    --value "$1" --output none
}

# 1-2: the version to the idle slot.
jq --arg m "$MODEL" --arg slot "$candidate-image" --arg image "$VERSION@$DIGEST" \
  '.models[$m][$slot] = $image' "$work/release.json" > "$work/next.json" && mv "$work/next.json" "$work/release.json"
render_and_sync
az apim nv update -g "$rg" --service-name "$AZURE_API_MANAGEMENT" --named-value-id "$MODEL-candidate" \
  --value "$candidate" --output none

# 3: smoke request through the gateway's preview route (this runner is inside the VNet).
apim_id=$(az apim show -g "$rg" -n "$AZURE_API_MANAGEMENT" --query id -o tsv)
key=$(az rest --method post --url "https://management.azure.com$apim_id/subscriptions/master/listSecrets?api-version=2022-08-01" \
  --query primaryKey -o tsv)
curl --fail --silent --show-error --max-time 120 -X POST -H "Ocp-Apim-Subscription-Key: $key" \
  -H 'Content-Type: application/json' --data @".github/workflows/smoke/$MODEL.json" \
  "https://$AZURE_API_MANAGEMENT.azure-api.net/models/$MODEL/preview/invoke" > /dev/null

# 4: traffic by the rollout policy, as "<percent on the new version> <bake minutes>" lines.
fired() {
  az rest --method get --url "https://management.azure.com/subscriptions/$AZURE_SUBSCRIPTION_ID/providers/Microsoft.AlertsManagement/alerts?api-version=2019-05-05-preview&targetResourceGroup=$rg&monitorCondition=Fired&alertState=New" \
    --query "length(value[?contains(name, 'model-$MODEL-')])" -o tsv
}
while read -r percent bake; do
  [ "$candidate" = green ] && weight=$percent || weight=$((100 - percent))
  set_weight "$weight"
  end=$(( $(date +%s) + bake * 60 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if [ "$(fired)" != 0 ]; then
      echo "an alert of $MODEL fired at $percent%: traffic goes back"
      set_weight "$previous_weight"
      exit 1
    fi
    sleep 30
  done
done < <(npx tsx bin/serving.ts rollout --environment "$PLATFORM_ENVIRONMENT" --model "$MODEL")

# 5: the old slot is emptied and becomes the next candidate.
[ "$candidate" = green ] && final=100 || final=0
jq --arg m "$MODEL" --arg old "$live-image" --argjson w "$final" --arg next "$live" \
  '.models[$m][$old] = "none" | .models[$m]["green-weight"] = $w | .models[$m].candidate = $next' \
  "$work/release.json" > "$work/next.json" && mv "$work/next.json" "$work/release.json"
render_and_sync
az apim nv update -g "$rg" --service-name "$AZURE_API_MANAGEMENT" --named-value-id "$MODEL-candidate" \
  --value "$live" --output none
