#!/usr/bin/env bash
# Runs an image tar's entrypoint without a container runtime: unpacks its layers in order into a
# folder, mounts /proc and makes /dev/null, zero, random and urandom there (what a runtime provides),
# and starts the entrypoint in a chroot, as the image's user, with the image's environment only. Needs root (chroot, mount). What it proves: the image's own files (the
# base's libraries and runtime, Jib's classpath, the baked config and bundle) are enough to start
# the service. What it does not: networking and cgroups are the host's.
#
#   run-image.sh [-e K=V]... [--entrypoint PROGRAM] IMAGE.tar [ARG...]
# as `docker run` takes them: -e adds to the environment, --entrypoint replaces the entrypoint, ARGs
# replace the image's Cmd.
set -euo pipefail
extra=() override=()
while [[ $1 == -* ]]; do
  case $1 in
    -e) extra+=("$2"); shift 2 ;;
    --entrypoint) override=("$2"); shift 2 ;;
    *) echo "run-image: unknown option $1" >&2; exit 2 ;;
  esac
done
image=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
root=$(mktemp -d /tmp/run-image.XXXXXX)
cleanup() {
  umount "$root/rootfs/proc" 2>/dev/null || true
  # never delete through a mount that is still there
  mountpoint -q "$root/rootfs/proc" || rm -rf "$root"
}
trap cleanup EXIT
mkdir -p "$root/image" "$root/rootfs"
tar --warning=no-unknown-keyword -xf "$image" -C "$root/image"
config=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Config"])' "$root/image/manifest.json")
python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$root/image/manifest.json" |
  while read -r layer; do tar --warning=no-unknown-keyword -xf "$root/image/$layer" -C "$root/rootfs"; done
mkdir -p "$root/rootfs/proc" "$root/rootfs/dev"
mount -t proc proc "$root/rootfs/proc"
# the device nodes every container runtime provides
mknod -m 666 "$root/rootfs/dev/null" c 1 3
mknod -m 666 "$root/rootfs/dev/zero" c 1 5
mknod -m 666 "$root/rootfs/dev/random" c 1 8
mknod -m 666 "$root/rootfs/dev/urandom" c 1 9

mapfile -t entrypoint < <(python3 -c 'import json,sys; [print(a) for a in json.load(open(sys.argv[1]))["config"].get("Entrypoint") or []]' "$root/image/$config")
mapfile -t cmd < <(python3 -c 'import json,sys; [print(a) for a in json.load(open(sys.argv[1]))["config"].get("Cmd") or []]' "$root/image/$config")
mapfile -t env < <(python3 -c 'import json,sys; [print(a) for a in json.load(open(sys.argv[1]))["config"].get("Env") or []]' "$root/image/$config")
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"].get("User") or "0")' "$root/image/$config")
(($#)) && cmd=("$@")
((${#override[@]})) && entrypoint=("${override[@]}")
# In the background, not exec'd: on TERM this script stops the service, then unmounts /proc.
chroot --userspec="$user:$user" "$root/rootfs" /bin/env -i "${env[@]}" "${extra[@]}" "${entrypoint[@]}" "${cmd[@]}" &
service=$!
trap 'kill -TERM $service 2>/dev/null; wait $service; exit 143' TERM INT
wait $service
