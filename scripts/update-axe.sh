#!/usr/bin/env bash
# Reproduces the axe-core files vendored in internal/browsertest/testdata/axe/
# from a pinned npm release: the minified axe.min.js and its LICENSE
# (MPL-2.0). The browser tests inject axe.min.js into every page they visit
# through the DevTools protocol, so the accessibility checks run without
# internet and are not refused by the pages' Content-Security-Policy.
#
# To move to another version, change the version and integrity below
# (`npm view axe-core@VERSION dist.integrity`), run this script, and run the
# browser tests (`go test ./internal/browsertest/`): a new axe-core may
# find new violations. VERSIONS records the tarball's integrity and the
# sha256 of axe.min.js, which the tests check before they inject it.
set -euo pipefail

# package@version integrity(sha512, as the npm registry publishes it)
pin="axe-core@4.10.3 sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="

# file in the package tarball -> file in the destination
files=(
  "package/axe.min.js axe.min.js"
  "package/LICENSE LICENSE"
)

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/internal/browsertest/testdata/axe"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

read -r spec integrity <<<"$pin"
name="${spec%@*}"
version="${spec##*@}"
(cd "$tmp" && npm pack --silent "$spec" >/dev/null)
tgz="$tmp/$name-$version.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 | tr -d '\n')"
if [ "$got" != "$integrity" ]; then
  echo "update-axe: $spec: integrity $got, expected $integrity" >&2
  exit 1
fi
mkdir -p "$tmp/$name"
tar -xzf "$tgz" -C "$tmp/$name"

mkdir -p "$dest"
for f in "${files[@]}"; do
  read -r from to <<<"$f"
  cp "$tmp/$name/$from" "$dest/$to"
  chmod 0644 "$dest/$to"
done

{
  echo "# Vendored by scripts/update-axe.sh; do not edit by hand."
  echo "$pin"
  echo "axe.min.js sha256-$(openssl dgst -sha256 -r "$dest/axe.min.js" | cut -d' ' -f1)"
} >"$dest/VERSIONS"
echo "update-axe: wrote ${#files[@]} files and VERSIONS to $dest"
