# Shared by the ci/ scripts: run from the repository root, fail fast, say what runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n==> %s\n' "$*"; }
# Configure and build one CMake preset (default, debug, asan, tsan).
build_preset() {
  step "configure + build: preset $1"
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
}
