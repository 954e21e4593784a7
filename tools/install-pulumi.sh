#!/usr/bin/env bash
# Builds (or reuses) the pinned Pulumi CLI from its Go module, offline from any
# Pulumi download site, into a cache outside the repo keyed by version:
#   ${SWARMLAB_CACHE:-~/.cache/swarmlab}/tools/pulumi-v<version>/bin
# A fresh clone (CI) reuses that cache. A `pulumi` already on PATH is used when
# its version matches. Prints the bin directory to put on PATH as its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/versions.env
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

# 1. The CLI.
if [ "$(version_of "$bin/pulumi" || true)" = "v$PULUMI_VERSION" ]; then
  say "pulumi v$PULUMI_VERSION: cached in $bin"
elif onpath=$(command -v pulumi 2>/dev/null) && [ "$(version_of "$onpath")" = "v$PULUMI_VERSION" ]; then
  say "pulumi v$PULUMI_VERSION: using $onpath (already on PATH)"
  ln -sf "$onpath" "$bin/pulumi"
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
  (cd "$build" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true)
  (cd "$build" && GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv "$bin/pulumi.tmp" "$bin/pulumi"
  say "built pulumi $(version_of "$bin/pulumi") in $(( $(date +%s) - start ))s"
fi

# 2. The SDK's program runner, which our language host calls: a file of the sdk/v3 module.
#    (The dynamic-provider plugin is tools/bin/pulumi-resource-pulumi-python: see
#    tools/dynamic_host.py; an upstream copy here would shadow it on PATH.)
rm -f "$bin/pulumi-resource-pulumi-python"
if [ ! -x "$bin/pulumi-language-python-exec" ]; then
  (cd "$tmp" && go mod init swarmlab.local/sdkfiles >/dev/null 2>&1 \
    && go mod download "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")
  sdk=$(cd "$tmp" && go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" 2>/dev/null \
    || echo "$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")
  install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
  say "installed pulumi-language-python-exec from sdk/v3@v$PULUMI_VERSION"
fi

# 3. The Docker provider plugin: a real attempt whenever it is missing; a refusal is
#    remembered for a day, so a cached `make tools` stays instant. The module proxy
#    reachable here refuses it; the lab then uses its Python dynamic providers
#    (modules/providers.py), and says so.
if [ ! -x "$bin/pulumi-resource-docker" ] && \
   [ -z "$(find "$tools_dir/docker-provider.unavailable" -mmin -1440 2>/dev/null)" ]; then
  if ! out=$(cd "$tmp" && go mod download -json \
      "github.com/pulumi/pulumi-docker/provider/v5@v$PULUMI_DOCKER_VERSION" 2>&1); then
    echo "$out" >"$tools_dir/docker-provider.unavailable"
    say "docker provider plugin v$PULUMI_DOCKER_VERSION cannot be fetched (see $tools_dir/docker-provider.unavailable);"
    say "  the lab uses its Python dynamic providers for Docker resources instead"
  fi
fi

echo "$bin"
