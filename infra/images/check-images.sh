#!/usr/bin/env bash
# Checks the image tars that `./mvnw -Pimages package` leaves: each one's layers (`tar -tf`) and size,
# then each service started from its image alone (run-image.sh: a chroot, no container runtime)
# until it answers on its port or, for the evaluator, until the files its Kubernetes init container
# copies are where the manifests say. Needs root. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ((EUID != 0)); then
  echo "check-images: needs root (run-image.sh uses chroot and mounts /proc)" >&2
  exit 1
fi
run=infra/images/run-image.sh
version=0.1.0-SNAPSHOT
images=(gpu-workers/target/images/gpu-workers.tar
        infra/images/orchestrators/target/images/orchestrators.tar
        stream-evaluator/target/images/evaluator.tar
        dashboard/target/images/dashboard.tar
        infra/schema-registry/target/images/schema-registry.tar
        cli/target/images/cli.tar)

for tar in "${images[@]}"; do
  [[ -f $tar ]] || { echo "check-images: $tar is missing: run ./mvnw -Pimages package -DskipTests" >&2; exit 1; }
  layers=$(tar -tf "$tar" | grep -c '\.tar\.gz$')
  tag=$(tar -xOf "$tar" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RepoTags"][0])')
  printf '%-48s %-44s %2d layers %5s\n' "$tar" "$tag" "$layers" "$(du -h "$tar" | cut -f1)"
  [[ $tag == ddt-stream/*:$version ]] || { echo "check-images: unexpected tag $tag" >&2; exit 1; }
done

# Starts an image in the background (its own process group), waits until URL answers any HTTP status,
# stops it. Every service binds 127.0.0.1 here: the configs' default, or set below.
serves() {
  local name=$1 url=$2; shift 2
  local log=/tmp/check-images-$name.log
  setsid "$run" "$@" > "$log" 2>&1 &
  local pid=$! deadline=$((SECONDS + 120)) code=000
  while ((SECONDS < deadline)) && kill -0 $pid 2>/dev/null; do
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)
    [[ $code != 000 ]] && break
    sleep 1
  done
  kill -TERM -- -$pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  if [[ $code == 000 ]]; then
    echo "check-images: $name did not answer $url; its log:" >&2
    tail -40 "$log" >&2
    exit 1
  fi
  echo "$name: started from its image, $url answered $code"
}

serves gpu-workers http://127.0.0.1:9464/health gpu-workers/target/images/gpu-workers.tar
serves orchestrators http://127.0.0.1:18080/health -e DDT_HTTP_PORT=18080 \
  infra/images/orchestrators/target/images/orchestrators.tar
serves dashboard http://127.0.0.1:8088/health dashboard/target/images/dashboard.tar
serves schema-registry http://127.0.0.1:18081/apis/ccompat/v7/subjects \
  -e "JAVA_TOOL_OPTIONS=-Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=18081" \
  infra/schema-registry/target/images/schema-registry.tar
# What the FlinkDeployment's init container runs, minus the copy: every file it names must exist.
"$run" --entrypoint /bin/sh stream-evaluator/target/images/evaluator.tar -c \
  'ls /app/classpath/*.jar /app/libs/*.jar /etc/ddt/evaluator.properties /opt/ddt/bundles/ddt-tiny-32/manifest.json > /dev/null'
echo "evaluator: the job jar, its libraries, its config and the bundle are where the init container copies them from"
# The command line as compose's provision and demo services use it: its help lists provision and geneval.
help=$("$run" cli/target/images/cli.tar 2>&1)
[[ $help == *provision* && $help == *geneval* ]] \
  || { echo "check-images: the cli image's help does not list provision and geneval: $help" >&2; exit 1; }
echo "cli: ddt answers from its image"
