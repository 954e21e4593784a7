#!/usr/bin/env bash
# Builds (or reuses) the pinned Pulumi CLI from its Go module, offline from any
# Pulumi download site, into a cache outside the repo keyed by version:
#   ${SWARMLAB_CACHE:-~/.cache/swarmlab}/tools/pulumi-v<version>/bin
# A fresh clone (CI) reuses that cache. A `pulumi` already on PATH is used when
# its version matches. Prints the bin directory to put on PATH as its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/toolchain/versions.env
. "$here/versions.env"

cache_root=${SWARMLAB_CACHE:-$HOME/.cache/swarmlab}
tools_dir="$cache_root/tools/pulumi-v$PULUMI_VERSION"
bin="$tools_dir/bin"
build="$tools_dir/build"
mkdir -p "$bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { echo "[tools] $*" >&2; }

version_of() { "$1" version 2>/dev/null | tr -d '[:space:]'; }

# A cold build takes minutes: say so every 20 s while the command runs.
with_progress() {
  local started=$1 pid; shift
  "$@" &
  pid=$!
  while ! wait_for "$pid" 20; do say "  still building ($(( $(date +%s) - started ))s)"; done
  wait "$pid"
}
# True once the child has exited; false after `seconds` if it still runs.
wait_for() {
  local pid=$1 seconds=$2 i
  for (( i = 0; i < seconds * 10; i++ )); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# 1. The CLI.
if [ "$(version_of "$bin/pulumi" || true)" = "v$PULUMI_VERSION" ]; then
  say "pulumi v$PULUMI_VERSION: cached in $bin"
elif onpath=$(command -v pulumi 2>/dev/null) && [ "$(version_of "$onpath")" = "v$PULUMI_VERSION" ]; then
  say "pulumi v$PULUMI_VERSION: copying $onpath (already on PATH)"
  # A copy, not a link: the engine looks for bundled plugins beside its resolved binary.
  install -m 0755 "$(readlink -f "$onpath")" "$bin/pulumi"
else
  command -v go >/dev/null || { say "go is required to build the Pulumi CLI"; exit 1; }
  say "building pulumi v$PULUMI_VERSION from github.com/pulumi/pulumi/pkg/v3 (cold build: several minutes)"
  start=$(date +%s)
  mkdir -p "$build"
  # A wrapper module, because `go install mod@ver` refuses modules with replace directives.
  cat >"$build/go.mod" <<EOF
module swarmlab.local/pulumitools

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => ${PULUMI_CLIPBOARD_REPLACE/@/ }
EOF
  cat >"$build/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
  say "downloading its Go modules"
  (cd "$build" && export GOFLAGS=-mod=mod && with_progress "$start" sh -c 'go mod tidy >/dev/null 2>&1' || true)
  say "compiling"
  (cd "$build" && export GOFLAGS=-mod=mod && with_progress "$start" go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv "$bin/pulumi.tmp" "$bin/pulumi"
  say "built pulumi $(version_of "$bin/pulumi") in $(( $(date +%s) - start ))s"
fi

# 2. The SDK's program runner, which our language host calls: a file of the sdk/v3 module.
if [ ! -x "$bin/pulumi-language-python-exec" ]; then
  (cd "$tmp" && go mod init swarmlab.local/sdkfiles >/dev/null 2>&1 \
    && go mod download "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")
  sdk=$(cd "$tmp" && go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" 2>/dev/null \
    || echo "$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")
  install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
  say "installed pulumi-language-python-exec from sdk/v3@v$PULUMI_VERSION"
fi

# 3. The language host and the dynamic-provider host, beside the CLI: the engine takes a
#    plugin found next to its own binary as bundled, and says nothing about it (one found
#    only on $PATH gets "warning: using ... from $PATH" on every run).
for plugin in pulumi-language-python pulumi-resource-pulumi-python; do
  cmp -s "$here/bin/$plugin" "$bin/$plugin" || install -m 0755 "$here/bin/$plugin" "$bin/$plugin"
done

echo "$bin"
