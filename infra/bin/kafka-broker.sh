#!/usr/bin/env bash
# A long-lived local Kafka broker (KRaft, single node, 127.0.0.1) for people who want one running
# beside their work, from the Maven-resolved classpath: no Kafka download needed.
#   infra/bin/kafka-broker.sh [DATA_DIR] [PORT]     default: target/kafka-data 9092
# The data directory survives restarts (the broker comes back on it, after Ctrl-C or a crash);
# delete it to start empty. Builds on first use only (DDT_REBUILD=1 rebuilds).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data_dir=${1:-target/kafka-data}
port=${2:-9092}

cp_file=$root/infra/embedded/target/broker.classpath
if [[ ! -f $cp_file || ! -d infra/embedded/target/classes || ${DDT_REBUILD:-0} == 1 ]]; then
  echo "Building the broker's classpath (first run)..." >&2
  ./mvnw -q -B -pl infra/embedded -am install -DskipTests
  # Test scope brings the log4j binding and its configuration; the library itself stays binding-free.
  ./mvnw -q -B -pl infra/embedded dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
fi
exec java -cp "infra/embedded/target/classes:infra/embedded/target/test-classes:$(cat "$cp_file")" \
  dev.ddtstream.infra.kafka.EmbeddedKafkaBroker "$data_dir" "$port"
