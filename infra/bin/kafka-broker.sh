#!/usr/bin/env bash
# A long-lived local Kafka broker (KRaft, single node, 127.0.0.1) for people who want one running
# beside their work, from the Maven-resolved classpath: no Kafka download needed.
#   infra/bin/kafka-broker.sh [DATA_DIR] [PORT]     default: target/kafka-data 9092
# The data directory survives restarts; delete it to start empty. Ctrl-C stops the broker.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data_dir=${1:-target/kafka-data}
port=${2:-9092}

mvn -q -pl infra/embedded -am install -DskipTests
cp_file=$root/infra/embedded/target/broker.classpath
# Test scope brings the log4j binding and its configuration; the library itself stays binding-free.
mvn -q -pl infra/embedded dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
exec java -cp "infra/embedded/target/classes:infra/embedded/target/test-classes:$(cat "$cp_file")" \
  dev.ddtstream.infra.kafka.EmbeddedKafkaBroker "$data_dir" "$port"
