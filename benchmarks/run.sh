#!/usr/bin/env bash
# Runs the JMH benchmarks (dnnrun beside ONNX Runtime) after `mvn -B -q -DskipTests install`.
#   benchmarks/run.sh                       # light ResNet-50 and SqueezeNet, both runtimes
#   benchmarks/run.sh -p model=resnet50 -i 10
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ ! -f "$here/target/classpath.txt" ]]; then
  echo "benchmarks: not built; run 'mvn -B -q -DskipTests install' in $(dirname "$here")" >&2
  exit 2
fi
cd "$here"
exec "$java_home/bin/java" -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  dev.dnnrun.benchmarks.BenchmarkMain "$@"
