#!/usr/bin/env bash
# The outside anchor: one SFT step (forward, backward, AdamW) of the same FlowDiT preset, batch, image size, float32 and
# thread count in PyTorch (Debian's python3-torch, bench/anchor/flow_dit_torch.py) and in this project (bench/Soar.Bench,
# TorchSharp/libtorch), side by side. Prints both, their parameter counts (which must match) and the ratio, and writes
# bench/results/anchor.json.
#
#   bench/anchor/run.sh [--preset tiny] [--batch 32] [--threads 2] [--repeats 10]
#
# Installs python3-torch and an optimized BLAS with apt-get when run as root and they are missing: Debian's torch calls the
# system libblas.so.3, and the reference BLAS that Debian installs by default would make PyTorch look several times slower.
set -euo pipefail
cd "$(dirname "$0")/../.."

preset=tiny batch=32 threads=2 repeats=10
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    *) echo "error: unknown option $1 (use --preset, --batch, --threads, --repeats)" >&2; exit 2 ;;
  esac
done

# Debian's interpreter, not one that a version manager put first on PATH: python3-torch installs only for it.
python=/usr/bin/python3
missing=()
"$python" -c 'import torch' >/dev/null 2>&1 || missing+=(python3-torch)
dpkg-query -W -f='${Status}' libopenblas0-openmp 2>/dev/null | grep -q 'install ok installed' || missing+=(libopenblas0-openmp)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: needs ${missing[*]}: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "PyTorch: preset $preset, batch $batch, $threads threads, median of $repeats SFT steps..."
OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads "$python" bench/anchor/flow_dit_torch.py \
  --preset "$preset" --batch "$batch" --threads "$threads" --repeats "$repeats" > "$work/torch.json"

echo "Soar.Pipeline (bench/Soar.Bench): the same..."
dotnet run -c Release --project bench/Soar.Bench -- --presets "$preset" --batch "$batch" --threads "$threads" \
  --repeats "$repeats" --flow-grpo-repeats 0 --out "$work/soar.json" > "$work/soar.log"
dotnet msbuild src/Soar.Core/Soar.Core.csproj -getProperty:LibTorchVersion -getProperty:SoarLibTorchPackage > "$work/libtorch.json"

"$python" - "$work/torch.json" "$work/soar.json" "$work/libtorch.json" bench/results/anchor.json <<'EOF'
import datetime, json, os, platform, sys
torch_run = json.load(open(sys.argv[1]))
soar_report = json.load(open(sys.argv[2]))
libtorch = json.load(open(sys.argv[3]))["Properties"]
out = sys.argv[4]
soar_run = next(r for r in soar_report["rows"] if r["Preset"] == torch_run["preset"])
if torch_run["parameters"] != soar_run["Parameters"]:
    sys.exit(f"error: the two models differ: {torch_run['parameters']} parameters in PyTorch, {soar_run['Parameters']} in Soar.Pipeline")
ratio = soar_run["SftSecondsPerStep"] / torch_run["sft_seconds_per_step"]
report = {
    "kind": "anchor",
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    "machine": platform.node(),
    "cores": os.cpu_count(),
    # A shared machine's load makes both timings meaningless; the ratio of two runs under the same load less so.
    "load_average_at_end": os.getloadavg(),
    "preset": torch_run["preset"],
    "batch": torch_run["batch"],
    "precision": "float32",
    "threads": {"pytorch": torch_run["threads"], "soar": soar_report["threads"]},
    "pytorch": {"version": torch_run["torch_version"], "parameters": torch_run["parameters"], "attention": torch_run["attention"],
                "sft_seconds_per_step": torch_run["sft_seconds_per_step"], "seconds": torch_run["seconds"]},
    "soar": {"libtorch_package": libtorch["SoarLibTorchPackage"], "libtorch_version": libtorch["LibTorchVersion"],
             "parameters": soar_run["Parameters"], "sft_seconds_per_step": soar_run["SftSecondsPerStep"], "repeats": soar_report["repeats"]},
    "soar_to_pytorch_ratio": ratio,
}
print(f"{'':24}{'PyTorch':>16}{'Soar.Pipeline':>16}")
print(f"{'version':24}{torch_run['torch_version']:>16}{'libtorch ' + libtorch['LibTorchVersion']:>16}")
print(f"{'parameters':24}{torch_run['parameters']:>16,}{soar_run['Parameters']:>16,}")
print(f"{'threads':24}{torch_run['threads']:>16}{soar_report['threads']:>16}")
print(f"{'sft s/step (median)':24}{torch_run['sft_seconds_per_step']:>16.4f}{soar_run['SftSecondsPerStep']:>16.4f}")
print(f"ratio Soar.Pipeline / PyTorch = {ratio:.2f} ({'not slower' if ratio <= 1 else 'SLOWER'} than PyTorch)")
tmp = out + ".tmp"
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(tmp, "w") as f:
    json.dump(report, f, indent=2)
os.replace(tmp, out)
print(f"wrote {out}")
EOF
