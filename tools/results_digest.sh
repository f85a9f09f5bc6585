#!/usr/bin/env bash
# Runs every command on the bundled and test scenarios and prints a SHA-256 of each output that
# other views are rendered from (results.json, verdicts, sweep.json, live-free). Used to show that
# a refactor keeps figures byte-identical: run it before and after and diff the two listings.
#   tools/results_digest.sh OUTDIR > digest.txt
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tools/results_digest.sh OUTDIR}
mkdir -p "$out"
tb() { testbed "$@" --quiet >/dev/null; }
for f in scenarios/*.yaml tests/scenarios/*.yaml; do
    name=$(basename "$f" .yaml)
    case $name in tiny-guidance|tiny-region) continue ;; esac
    horizon=()
    # the bundled shops at message level take minutes: two hours keep the check quick
    case $f in scenarios/*) horizon=(--horizon 2h) ;; esac
    tb run "$f" --out "$out/run-$name" --jobs 2 "${horizon[@]}"
    tb run "$f" --out "$out/flow-$name" --jobs 2 --fidelity flow --horizon 30d
done
tb compare tests/scenarios/small-shop.yaml --out "$out/compare-small" --jobs 2
tb compare scenarios/sme-legacy-shop.yaml --out "$out/compare-sme" --jobs 2 --fidelity flow --horizon 1y
testbed verify plugins/testbed-acme-gateway/claims.yaml --out "$out/verify-acme" --quiet >/dev/null || true
tb guidance tests/scenarios/tiny-guidance.yaml --population tests/scenarios/tiny-region.yaml \
    --out "$out/guidance-tiny" --jobs 2
tb guidance scenarios/guidance/sme-connectivity.yaml --population scenarios/regions/east-midlands.yaml \
    --out "$out/guidance-bundled" --jobs 2
tb sweep tests/scenarios/small-shop.yaml --param "shop.links[broadband].outages.mttr=1min,10min" \
    --out "$out/sweep-small" --jobs 2
# Commands record their own command line, which names OUTDIR: hash with it replaced, so that
# two runs into different folders compare equal.
cd "$out" && find . -path ./\*/.cache -prune -o \( -name "*.json" -o -name "*.csv" -o -name "*.xml" \
    -o -name "*.md" \) -print | sort | while read -r f; do
    printf '%s  %s\n' "$(sed "s|$out|OUTDIR|g" "$f" | sha256sum | cut -d' ' -f1)" "$f"
done
