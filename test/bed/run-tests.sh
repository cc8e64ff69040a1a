#!/usr/bin/env bash
# The whole test suite: builds, checks format, lint, layering and dead exports, brings up a local
# Ceph RGW unless an S3 is given, installs Debian's Jupyter, chromium and tmux when missing, and
# runs every test on the machine's Node and again on Node 24 from the npm registry.
# To test against another S3 instead (MinIO, AWS), set S3_ENDPOINT (use S3_ENDPOINT=aws for AWS
# itself) and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; tests make and use their own buckets.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || npm ci
npm run --silent build
npm run --silent lint
if [ -z "${S3_ENDPOINT:-}" ]; then
  eval "$(bash test/bed/ceph-rgw-up)"
  export S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  # The local RGW holds objects in memory: the buckets earlier runs made (nbt-*) go first.
  node test/bed/remove-buckets.mjs --prefix nbt-
fi
export S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
# Debian's Jupyter Server and Notebook, for the tests of the Jupyter hook.
eval "$(bash test/bed/jupyter-up)"
export NBSTORE_JUPYTER_PYTHON
# Debian's chromium, the browser the tests of the web view drive.
eval "$(bash test/bed/chromium-up)"
export NBSTORE_CHROMIUM
# tmux, the terminal the tests of nbstore browse drive.
bash test/bed/tmux-up
export AWS_REGION=${AWS_REGION:-us-east-1}
# Arguments name compiled test files to run instead of all of them.
shopt -s globstar
if [ $# -gt 0 ]; then tests=("$@"); else tests=(dist/test/**/*.test.js); fi
# NBSTORE_TEST_NODES names the Node binaries to run the suite on; by default this machine's and 24.
if [ -n "${NBSTORE_TEST_NODES:-}" ]; then read -r -a nodes <<<"$NBSTORE_TEST_NODES"; else nodes=(node "$(bash test/bed/node-up 24)"); fi
failed=0
for node in "${nodes[@]}"; do
  echo "# the suite on Node $("$node" --version) ($node)"
  "$node" --test --test-concurrency="${NBSTORE_TEST_CONCURRENCY:-3}" "${tests[@]}" || failed=1
done
exit "$failed"
