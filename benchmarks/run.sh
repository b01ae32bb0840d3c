#!/usr/bin/env bash
# Runs the JMH benchmarks (dnnrun beside ONNX Runtime) after `mvn -B -q -DskipTests install`.
# Models: light ones (resnet50, squeezenet, ...: ../shared/onnx-backend-tests/light) or generated ones (mobilenet,
# textdet, textrec: written to benchmarks/target/models on first use; see MobileModels).
#   benchmarks/run.sh                       # light ResNet-50 and SqueezeNet and the generated models, both runtimes
#   benchmarks/run.sh -p model=resnet50 -i 10
#   benchmarks/run.sh -p model=mobilenet,textdet,textrec
#   benchmarks/run.sh warmup [--models squeezenet,resnet50] [--threads 1,2] [--accel cpu|onednn] [--jit off|on|both]
#                            [--calls 200] [--tail 50] [--out target/warmup]   # load, first result, warm-up curve; fresh JVM each
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ ! -f "$here/target/classpath.txt" ]]; then
  echo "benchmarks: not built; run 'mvn -B -q -DskipTests install' in $(dirname "$here")" >&2
  exit 2
fi
cd "$here"
main=dev.dnnrun.benchmarks.BenchmarkMain
if [[ "${1:-}" == warmup ]]; then
  main=dev.dnnrun.benchmarks.WarmupCurve
  shift
fi
exec "$java_home/bin/java" -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" "$main" "$@"
