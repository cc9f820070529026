#!/bin/bash
# Licensed under the Apache License, Version 2.0; see LICENSE.
#
# The main job: brings the sandbox undercloud up and upgrades its demo
# overcloud from Newton to Queens with the three real commands, then
# verifies and shows what was upgraded on each node.
#
#   tools/demo.sh            (state in $TRIPLEO_FFU_SANDBOX_DIR or default)
#   tools/demo.sh --queens   the real tripleo-heat-templates 8.4.1 stack
#                            "queens": prepare, the FFU run over SSH on its
#                            node containers, converge, verified on the nodes
#
# The sandbox keeps running afterwards: `tripleo-ffu-sandbox down` stops it.

set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/setup-env.sh
source "$ROOT/tools/setup-env.sh"
cd "$ROOT"

step() { printf '\n=== %s\n' "$*"; }
keeps_running() {
    echo "The sandbox keeps running. Use it: . $VENV/bin/activate &&" \
        "source <(tripleo-ffu-sandbox env); stop it: tripleo-ffu-sandbox down"
}

step "Sandbox undercloud (PostgreSQL, Heat, Mistral on loopback)"
tripleo-ffu-sandbox up

if [ "${1:-}" = "--queens" ]; then
    step "The real Queens overcloud (THT 8.4.1) and its nodes over SSH"
    tripleo-ffu-sandbox stack queens --name queens
    # shellcheck disable=SC1090
    source <(tripleo-ffu-sandbox env)
    tripleo-ffu-sandbox reset-nodes
    BEFORE=$(mktemp)
    trap 'rm -f "$BEFORE"' EXIT
    tripleo-ffu-sandbox nodes --queens --json > "$BEFORE"
    step "openstack overcloud ffwd-upgrade prepare --stack queens"
    # shellcheck disable=SC2046
    openstack overcloud ffwd-upgrade prepare --yes --stack queens \
        $(tripleo-ffu-sandbox environments queens prepare)
    step "openstack overcloud ffwd-upgrade run --stack queens"
    openstack overcloud ffwd-upgrade run --yes --stack queens
    step "openstack overcloud ffwd-upgrade converge --stack queens"
    # shellcheck disable=SC2046
    openstack overcloud ffwd-upgrade converge --yes --stack queens \
        $(tripleo-ffu-sandbox environments queens converge)
    step "What the fast-forward walk did on each node (read over SSH)"
    tripleo-ffu-sandbox verify --queens --before "$BEFORE"
    keeps_running
    exit 0
fi
# shellcheck disable=SC1090
source <(tripleo-ffu-sandbox env)
tripleo-ffu-sandbox reset-nodes
tripleo-ffu-sandbox status

ENVS=tripleo_ffu/sandbox/templates/environments
step "Before: the demo overcloud at Newton"
tripleo-ffu-sandbox nodes
BEFORE=$(mktemp)
trap 'rm -f "$BEFORE"' EXIT
tripleo-ffu-sandbox nodes --json > "$BEFORE"

step "openstack overcloud ffwd-upgrade prepare"
openstack overcloud ffwd-upgrade prepare --yes \
    -e $ENVS/container-registry.yaml \
    -e $ENVS/lifecycle/ffwd-upgrade-prepare.yaml

step "openstack overcloud ffwd-upgrade run"
openstack overcloud ffwd-upgrade run --yes

step "openstack overcloud ffwd-upgrade converge"
openstack overcloud ffwd-upgrade converge --yes \
    -e $ENVS/container-registry.yaml \
    -e $ENVS/lifecycle/ffwd-upgrade-converge.yaml

step "openstack overcloud ffwd-upgrade status"
openstack overcloud ffwd-upgrade status --limit 3

step "What was upgraded (before -> after), and the verification"
tripleo-ffu-sandbox verify --before "$BEFORE"
keeps_running
