#!/bin/bash
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Functional tests alone (tox -e functional): one sandbox for the run.
set -eu
STATE_DIR=$(mktemp -d /var/tmp/tripleo-ffu-functional.XXXXXX)
chmod 755 "$STATE_DIR"
export TRIPLEO_FFU_SANDBOX_DIR=$STATE_DIR TRIPLEO_FFU_REQUIRE_SANDBOX=1
trap 'tripleo-ffu-sandbox down >/dev/null 2>&1; rm -rf "$STATE_DIR"' EXIT
tripleo-ffu-sandbox up
stestr --test-path tests/functional run --concurrency 1 "$@"
