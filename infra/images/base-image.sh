#!/usr/bin/env bash
# Builds the base image every ddt-stream image starts from, as a `docker save` tarball that Jib reads
# with <from><image>tar://...</image></from>: no registry and no Docker daemon are reachable where we
# build. One layer:
#   - glibc, libgcc, libstdc++, zlib and a static busybox (/bin/sh, cp, ls, ...), unpacked from the
#     Debian packages of the build machine's release (apt-get download: no root, nothing installed);
#     libstdc++ and libgcc are what ONNX Runtime's and RocksDB's native libraries link against;
#   - a Java 17 runtime cut with jlink from the build machine's JDK (/opt/java, ~50 MB instead of a
#     full JRE package and its font, printing and sound dependencies);
#   - a non-root user 65532 (the images run as it), a world-writable /tmp, where ONNX Runtime and
#     RocksDB unpack their native libraries, and /var/lib/ddt for volumes.
# Usage: base-image.sh OUT_DIR     -> OUT_DIR/base.tar (reused when the script has not changed)
set -euo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
stamp=$(sha256sum "$here/base-image.sh" | cut -c1-16)
if [[ -f $out/base.tar && -f $out/base.stamp && $(cat "$out/base.stamp") == "$stamp" ]]; then
  echo "base image: $out/base.tar is up to date"
  exit 0
fi

packages=(libc6 libgcc-s1 libstdc++6 zlib1g busybox-static)
# What the services use of the JDK: Kafka's SASL/SCRAM and TLS (security.*, crypto.ec), JMX and the
# Prometheus exporters (management), Flink and Avro (sql, naming, compiler, instrument), the
# dashboard's PNGs (desktop: ImageIO, headless), the health endpoints (jdk.httpserver).
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,\
java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,\
java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.httpserver,jdk.jfr,\
jdk.management,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.unsupported,jdk.zipfs

work=$out/base
rm -rf "$work" && mkdir -p "$work/debs" "$work/rootfs" "$work/image"
rootfs=$work/rootfs

echo "base image: downloading ${packages[*]}"
# apt drops privileges to _apt for downloads; a root-owned target folder makes it warn, not fail.
(cd "$work/debs" && apt-get download -q "${packages[@]}" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
for p in "${packages[@]}"; do
  deb=$(ls "$work/debs/${p}"_*.deb 2>/dev/null | head -1)
  [[ -n $deb ]] || { echo "base image: apt-get download did not fetch $p" >&2; exit 1; }
  dpkg-deb -x "$deb" "$rootfs"
done
rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/lintian" "$rootfs/usr/share/locale" "$rootfs/usr/share/man"

echo "base image: jlink $(java -version 2>&1 | head -1)"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$rootfs/opt/java"

for cmd in sh cp ls cat mkdir rm mv ln env sleep wget; do
  ln -s busybox "$rootfs/bin/$cmd"
done
# /var/lib/ddt: where volumes go (state, registry data); world-writable like /tmp, so that a volume
# mounted there by a runtime that copies the image's permissions is the user's to write.
mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/home/nonroot" "$rootfs/var/lib/ddt"
chmod 1777 "$rootfs/tmp" "$rootfs/var/lib/ddt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
  > "$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$rootfs/etc/group"

# The layer: owners 0, fixed times and order, so the same packages give the same digest.
# Entries are named without "./": Jib refuses a tarball whose names start with it.
reproducible=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0)
tar "${reproducible[@]}" -C "$rootfs" -cf "$work/layer.tar" $(cd "$rootfs" && ls -A)
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/image/$layer_sha"
mv "$work/layer.tar" "$work/image/$layer_sha/layer.tar"
versions=$(cd "$work/debs" && ls *.deb | sed 's/_amd64.deb//' | tr '\n' ' ')
cat > "$work/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","HOME=/home/nonroot"],
           "User":"65532","WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer_sha"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"infra/images/base-image.sh: ${versions}+ jlink"}]}
EOF
config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["ddt-stream/base:local"],"Layers":["%s/layer.tar"]}]\n' \
  "$config_sha" "$layer_sha" > "$work/image/manifest.json"
tar "${reproducible[@]}" -C "$work/image" -cf "$out/base.tar" manifest.json "$config_sha.json" "$layer_sha"
echo "$stamp" > "$out/base.stamp"
rm -rf "$work"
echo "base image: $out/base.tar ($(du -h "$out/base.tar" | cut -f1)), layer sha256:$layer_sha"
