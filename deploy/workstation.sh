#!/usr/bin/env bash
# A multi-GPU workstation: one coordinator and one worker per GPU, each worker seeing only its
# own GPU. Build with ./mvnw -Pcuda -DskipTests package first. Arguments go to the coordinator,
# e.g. deploy/workstation.sh --data corpus.txt --preset course --steps 5000
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$here/coordinator/target/cohort.jar"
gpus=$(nvidia-smi --list-gpus 2>/dev/null | wc -l)
if [ "$gpus" -lt 1 ]; then
    echo "workstation.sh: no GPU found (nvidia-smi lists none); use ./cohort train instead" >&2
    exit 2
fi
port=${COHORT_PORT:-25520}
opts=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED
      --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED)

java "${opts[@]}" -jar "$jar" coordinator --bind "127.0.0.1:$port" --min-workers "$gpus" "$@" &
coordinator=$!
trap 'kill $coordinator ${workers[*]:-} 2>/dev/null || true' EXIT INT TERM
sleep 5
workers=()
for ((g = 0; g < gpus; g++)); do
    CUDA_VISIBLE_DEVICES=$g java "${opts[@]}" -jar "$jar" worker \
        --join "127.0.0.1:$port" --threads 1 &
    workers+=($!)
done
wait "$coordinator"
