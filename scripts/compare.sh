#!/usr/bin/env bash
# Side-by-side timing of runner-doctor against Checkov's Kubernetes framework and
# kubernetes-validate on the same synthetic cluster dumps, with the ratios.
#
#   scripts/compare.sh [SIZES...]        # default: 1000 10000 100000
#
# Builds runner-doctor and the dump generator in release mode, writes each dump once
# (YAML List, the same as a multi-document stream, and JSON) under $WORK (default
# target/compare), then measures wall time and peak memory of:
#   - `runner-doctor check` on the bundled example, process start included (mean of 20 runs);
#   - `runner-doctor admit --audit` on every dump, YAML and JSON;
#   - Checkov (`--framework kubernetes`) and kubernetes-validate on the smallest dump only
#     (they need minutes and gigabytes beyond it), installed from PyPI into a throw-away
#     virtual environment under $WORK/venv that the script removes at the end
#     (KEEP_VENV=1 keeps it for a rerun). SKIP_PYTHON=1 skips them.
# Environment: RD_THREADS (worker threads, default: all cores), CARGO_TARGET_DIR as cargo.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZES=("${@:-1000 10000 100000}")
read -r -a SIZES <<<"${SIZES[*]}"
WORK=${WORK:-target/compare}
TARGET=${CARGO_TARGET_DIR:-target}
mkdir -p "$WORK"
MEASURE="python3 scripts/measure.py"

echo "== build (release)"
cargo build --release --quiet --bin runner-doctor --example gen_dump
RD="$TARGET/release/runner-doctor"
GEN="$TARGET/release/examples/gen_dump"

measure() { # OUT CMD... -> sets WALL PEAK CODE CPU
  local out=$1
  shift
  local line
  line=$($MEASURE "$out" "$@" 2>&1 >/dev/null | tail -n 1)
  read -r WALL PEAK CODE CPU <<<"$line"
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== check on the bundled example (20 runs, process start included)"
python3 - "$RD" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(20):
    t = time.monotonic()
    subprocess.run([sys.argv[1], "check", "examples/openshift-pvc-cache"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs.append(time.monotonic() - t)
runs.sort()
print(f"check: median {runs[10]*1000:.1f} ms, min {runs[0]*1000:.1f} ms, max {runs[-1]*1000:.1f} ms")
PY

for n in "${SIZES[@]}"; do
  for fmt in yaml json stream.yaml; do
    f="$WORK/dump-$n.$fmt"
    if [[ ! -s $f ]]; then
      case $fmt in
        yaml) "$GEN" "$n" "$f" ;;
        json) "$GEN" "$n" "$f" --json ;;
        stream.yaml) "$GEN" "$n" "$f" --stream ;;
      esac
    fi
  done
done

printf '\n== admit --audit (OpenShift 4.14 defaults)\n'
printf '%-8s %-5s %9s %9s %9s %10s %10s %9s\n' pods form MB wall_s cpu_s MB/s pods/s peak_MB
declare -A RD_RATE
for n in "${SIZES[@]}"; do
  for fmt in yaml json; do
    f="$WORK/dump-$n.$fmt"
    mb=$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1])/1e6:.1f}')" "$f")
    measure "$WORK/audit-$n.$fmt.json" "$RD" admit --audit --format json \
      --threads "${RD_THREADS:-0}" "$f"
    # Exit 1 means some pod is refused, which the synthetic dumps always have.
    if [[ $CODE != 0 && $CODE != 1 ]]; then
      echo "runner-doctor failed on $f (exit $CODE)" >&2
      exit 1
    fi
    rate=$(python3 -c "print(f'{$n/$WALL:.0f}')")
    printf '%-8s %-5s %9s %9s %9s %10s %10s %9s\n' "$n" "$fmt" "$mb" "$WALL" "$CPU" \
      "$(python3 -c "print(f'{$mb/$WALL:.0f}')")" "$rate" "$PEAK"
    RD_RATE[$n.$fmt]=$rate
  done
done

if [[ ${SKIP_PYTHON:-0} == 1 ]]; then
  exit 0
fi

n=${SIZES[0]}
printf '\n== Python tools on the %s-pod dump\n' "$n"
VENV="$WORK/venv"
if [[ ! -x $VENV/bin/checkov ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet checkov kubernetes-validate
fi
"$VENV/bin/checkov" --version | sed 's/^/checkov /'
"$VENV/bin/pip" show kubernetes-validate | grep -i '^version' | sed 's/^/kubernetes-validate /'

ratio() { python3 -c "print(f'{$1/$2:.0f}x')"; }
f="$WORK/dump-$n.stream.yaml"
printf '%-22s %9s %9s %10s %9s %10s\n' tool wall_s cpu_s pods/s peak_MB 'rd(yaml)/tool'
measure "$WORK/checkov-$n.json" "$VENV/bin/checkov" --framework kubernetes --quiet \
  --compact -o json -f "$f"
rate=$(python3 -c "print(f'{$n/$WALL:.1f}')")
printf '%-22s %9s %9s %10s %9s %10s\n' checkov "$WALL" "$CPU" "$rate" "$PEAK" \
  "$(ratio "${RD_RATE[$n.yaml]}" "$rate")"
measure "$WORK/kv-$n.txt" "$VENV/bin/kubernetes-validate" --quiet "$f"
rate=$(python3 -c "print(f'{$n/$WALL:.1f}')")
printf '%-22s %9s %9s %10s %9s %10s\n' kubernetes-validate "$WALL" "$CPU" "$rate" "$PEAK" \
  "$(ratio "${RD_RATE[$n.yaml]}" "$rate")"

if [[ ${KEEP_VENV:-0} != 1 ]]; then
  rm -rf "$VENV"
fi
