#!/usr/bin/env bash
# The Secrets the manifests read and no operator writes: the registry's basic-auth users (random
# passwords, one per role, as `ddt cluster up --secure` makes them) and, for KEDA, each stage's SCRAM
# credentials with the cluster CA (copied from what Strimzi's operators wrote). Run once after the
# Kafka cluster and its users are ready:  infra/k8s/make-secrets.sh [namespace]
set -euo pipefail
ns=${1:-ddt}
roles=(encoder llama mmdit generator captioner tokenizer evaluator dashboard client)

if ! kubectl -n "$ns" get secret ddt-registry-users >/dev/null 2>&1; then
  users=$(mktemp) creds=()
  trap 'rm -f "$users"' EXIT
  for r in "${roles[@]}"; do
    p=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "$r=$p" >>"$users"
    creds+=(--from-literal="$r=$r:$p")
  done
  kubectl -n "$ns" create secret generic ddt-registry-users --from-file=users.properties="$users"
  kubectl -n "$ns" create secret generic ddt-registry-credentials "${creds[@]}"
fi

ca=$(kubectl -n "$ns" get secret ddt-cluster-ca-cert -o jsonpath='{.data.ca\.crt}' | base64 -d)
for stage in encoder llama mmdit; do
  password=$(kubectl -n "$ns" get secret "$stage" -o jsonpath='{.data.password}' | base64 -d)
  kubectl -n "$ns" create secret generic "ddt-$stage-lag" --dry-run=client -o yaml \
    --from-literal=sasl=scram_sha512 --from-literal=username="$stage" --from-literal=password="$password" \
    --from-literal=tls=enable --from-literal=ca="$ca" | kubectl -n "$ns" apply -f -
done
