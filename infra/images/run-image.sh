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
# The image's layers, entrypoint, command, environment and user, read once, as bash declarations.
eval "$(python3 - "$root/image" <<'PY'
import json, shlex, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))[0]
c = json.load(open(d + "/" + m["Config"]))["config"]
for name, values in (("layers", m["Layers"]), ("entrypoint", c.get("Entrypoint") or []),
                     ("cmd", c.get("Cmd") or []), ("env", c.get("Env") or [])):
    print(name + "=(" + " ".join(shlex.quote(v) for v in values) + ")")
print("user=" + shlex.quote(c.get("User") or "0"))
PY
)"
for layer in "${layers[@]}"; do
  tar --warning=no-unknown-keyword -xf "$root/image/$layer" -C "$root/rootfs"
done
mkdir -p "$root/rootfs/proc" "$root/rootfs/dev"
mount -t proc proc "$root/rootfs/proc"
# the device nodes every container runtime provides
mknod -m 666 "$root/rootfs/dev/null" c 1 3
mknod -m 666 "$root/rootfs/dev/zero" c 1 5
mknod -m 666 "$root/rootfs/dev/random" c 1 8
mknod -m 666 "$root/rootfs/dev/urandom" c 1 9

(($#)) && cmd=("$@")
((${#override[@]})) && entrypoint=("${override[@]}")
# In the background, not exec'd: on TERM this script stops the service, then unmounts /proc.
chroot --userspec="$user:$user" "$root/rootfs" /bin/env -i "${env[@]}" "${extra[@]}" "${entrypoint[@]}" "${cmd[@]}" &
service=$!
trap 'kill -TERM $service 2>/dev/null; wait $service; exit 143' TERM INT
wait $service
