#!/usr/bin/env bash
# Reproduces the GraphiQL files vendored in internal/httpserver/graphiql/
# from pinned npm releases: the UMD builds of graphiql 3 (the last major
# with a UMD bundle), React 18 and ReactDOM 18, and each package's LICENSE.
# The binary embeds them, so the /graphiql page works without internet.
#
# To move to other versions, change the versions and integrities below
# (`npm view PACKAGE@VERSION dist.integrity`), run this script, and check
# the page in a browser. Only the vendored files listed here are written;
# the page's own files (index.html, start.js, page.css) are left alone.
set -euo pipefail

# package@version integrity(sha512, as the npm registry publishes it)
pins=(
  "graphiql@3.9.0 sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA=="
  "react@18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
  "react-dom@18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
)

# package: file in the package tarball -> file in the destination
files=(
  "graphiql package/graphiql.min.js graphiql.min.js"
  "graphiql package/graphiql.min.css graphiql.min.css"
  "graphiql package/LICENSE LICENSE.graphiql"
  "react package/umd/react.production.min.js react.production.min.js"
  "react package/LICENSE LICENSE.react"
  "react-dom package/umd/react-dom.production.min.js react-dom.production.min.js"
  "react-dom package/LICENSE LICENSE.react-dom"
)

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/internal/httpserver/graphiql"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for pin in "${pins[@]}"; do
  read -r spec integrity <<<"$pin"
  name="${spec%@*}"
  version="${spec##*@}"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  tgz="$tmp/$name-$version.tgz"
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 | tr -d '\n')"
  if [ "$got" != "$integrity" ]; then
    echo "update-graphiql: $spec: integrity $got, expected $integrity" >&2
    exit 1
  fi
  mkdir -p "$tmp/$name"
  tar -xzf "$tgz" -C "$tmp/$name"
done

mkdir -p "$dest"
for f in "${files[@]}"; do
  read -r pkg from to <<<"$f"
  cp "$tmp/$pkg/$from" "$dest/$to"
  chmod 0644 "$dest/$to"
done

{
  echo "# Vendored by scripts/update-graphiql.sh; do not edit by hand."
  for pin in "${pins[@]}"; do
    echo "$pin"
  done
} >"$dest/VERSIONS"
echo "update-graphiql: wrote ${#files[@]} files and VERSIONS to $dest"
