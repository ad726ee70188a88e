#!/usr/bin/env bash
# Trains the classifier this project ships (crates/vision/shipped/: the fine-tuned tail, the head
# with its temperature, the feature bank for teaching, report.json) from the CIFAR-10 training
# photos in ../shared/data, with a fixed seed, then scores it on the held-out test subset, with
# and without averaging each photo with its mirror. Release build. Extra arguments go to
# classifier-train (e.g. --epochs 4).
#
# The trunk outputs of the training photos are cached in $CARGO_TARGET_DIR, so a second run with
# other fine-tuning or head settings skips the costly part.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_DATA:-../shared/data}
for dir in cifar10-subset/train cifar10-train-large cifar10-subset/test; do
  if [ ! -d "$shared/$dir" ]; then
    echo "train-classifier: $shared/$dir is missing (CI and the team machines have ../shared/data)" >&2
    exit 1
  fi
done
scripts/fetch-models.sh
cargo build --release -p vision --bins
target=${CARGO_TARGET_DIR:-target}
time "$target/release/classifier-train" \
  --data "$shared/cifar10-subset/train" --data "$shared/cifar10-train-large" \
  --cache "$target/classifier-trunks.safetensors" "$@"
"$target/release/classifier-eval" --data "$shared/cifar10-subset/test" \
  --json crates/vision/shipped/test-report.json
"$target/release/classifier-eval" --data "$shared/cifar10-subset/test" --mirror true \
  --json crates/vision/shipped/test-report-mirrored.json
