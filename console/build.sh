#!/usr/bin/env bash
# Copy YASGUI's built files, at the exact version package-lock.json pins, into the Python
# package (src/hmis_ld/api/static/console/vendor/), with the licences of everything the
# bundle holds. Run it after changing the pinned version, and commit the result: the server
# serves these files itself and never loads anything from elsewhere.
set -euo pipefail
cd "$(dirname "$0")"
OUT=../src/hmis_ld/api/static/console/vendor
BUILD=node_modules/@zazuko/yasgui/build

npm ci --ignore-scripts --no-audit --no-fund
rm -rf "$OUT" && mkdir -p "$OUT"
# The source map is not shipped, so its reference goes too.
sed '/^\/\/# sourceMappingURL=/d' "$BUILD/yasgui.min.js" > "$OUT/yasgui.min.js"
cp "$BUILD/yasgui.min.css" "$OUT/yasgui.min.css"
node licences.js > "$OUT/THIRD-PARTY-LICENSES.txt"
echo "YASGUI $(node -p 'require("./node_modules/@zazuko/yasgui/package.json").version') copied to $OUT"
