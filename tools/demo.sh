#!/bin/bash
# Licensed under the Apache License, Version 2.0; see LICENSE.
#
# The main job: brings a Queens undercloud up in the sandbox (Python 2.7,
# Mistral 6, Heat 10 on MariaDB, RabbitMQ, Ansible 2.9 and the Queens
# openstack CLI; tools/setup-queens-env.sh makes its venv) and upgrades the
# overcloud "queens", deployed from the Newton templates (tripleo-heat-
# templates 5.3.13) on its node containers, to Queens with upstream-shaped
# command lines: prepare --templates <THT 8.4.1> -r ... -e ..., the FFU run
# over SSH, the final Queens step per role (Controller then Compute),
# converge back to deployments the nodes signal; then shows what changed on
# each node and verifies it there.
#
#   tools/demo.sh           (state in $TRIPLEO_FFU_SANDBOX_DIR or default)
#   tools/demo.sh --fast    the hand-written demo templates instead (a
#                           minute; for task authors and quick checks)
#   tools/demo.sh --current-undercloud
#                           on the undercloud of this Python 3 instead
#                           (Mistral, Heat and Ansible of today, PostgreSQL)
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

FAST=""; QUEENS_UNDERCLOUD=1
for arg in "$@"; do
    case $arg in
        --fast) FAST=1 ;;
        --current-undercloud) QUEENS_UNDERCLOUD="" ;;
        *) echo "usage: tools/demo.sh [--fast] [--current-undercloud]" >&2
           exit 2 ;;
    esac
done
if [ -n "$QUEENS_UNDERCLOUD" ]; then
    # shellcheck source=tools/setup-queens-env.sh
    source "$ROOT/tools/setup-queens-env.sh"
    step "Sandbox Queens undercloud (MariaDB, Heat 10, RabbitMQ, Mistral 6" \
        "on Python 2.7, on loopback)"
    tripleo-ffu-sandbox up --undercloud queens --queens-venv "$QUEENS_VENV"
    # Its openstack CLI is the Queens one (3.14, Python 2.7).
    openstack() { "$QUEENS_VENV/bin/openstack" "$@"; }
else
    step "Sandbox undercloud (PostgreSQL, Heat, Mistral on loopback)"
    tripleo-ffu-sandbox up
fi
step "The undercloud's versions"
tripleo-ffu-sandbox versions

if [ -z "$FAST" ]; then
    step "The overcloud deployed from the Newton templates (THT 5.3.13)" \
        "on its nodes"
    START=$SECONDS
    tripleo-ffu-sandbox stack newton --name queens
    echo "Stack queens ready in $((SECONDS - START)) s."
    # shellcheck disable=SC1090
    source <(tripleo-ffu-sandbox env)
    tripleo-ffu-sandbox reset-nodes
    BEFORE=$(mktemp)
    trap 'rm -f "$BEFORE"' EXIT
    tripleo-ffu-sandbox nodes --queens --json > "$BEFORE"
    # The workload on the compute must answer throughout: probed twice a
    # second until the end, every miss written down.
    PROBE=$(mktemp)
    echo "0 0" > "$PROBE"
    trap 'rm -f "$BEFORE" "$PROBE"; kill "$PROBER" 2>/dev/null' EXIT
    python - "$PROBE" <<'PY' &
import os, sys, time, urllib.request
from tripleo_ffu_sandbox import sandbox
urls = ['http://%s:%d/' % (n.address, n.spec['workload_port'])
        for n in sandbox.Sandbox(out=lambda *a: None).node_containers()
        if n.spec.get('workload_port')]
answers = misses = 0
while os.path.exists(sys.argv[1]):
    for url in urls:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            answers += 1
        except OSError as e:
            misses += 1
            print('workload miss at %s: %s' % (time.strftime('%X'), e))
    with open(sys.argv[1], 'w') as f:
        f.write('%d %d\n' % (answers, misses))
    time.sleep(0.5)
PY
    PROBER=$!
    ARGS=$(tripleo-ffu-sandbox environments newton prepare)
    step "openstack overcloud ffwd-upgrade prepare --yes --stack queens $ARGS"
    START=$SECONDS
    # shellcheck disable=SC2086
    openstack overcloud ffwd-upgrade prepare --yes --stack queens $ARGS
    echo "Prepare (the stack moved to THT 8.4.1, its config downloaded)" \
        "took $((SECONDS - START)) s."
    step "openstack overcloud ffwd-upgrade run --stack queens"
    openstack overcloud ffwd-upgrade run --yes --stack queens
    for role in Controller Compute; do
        step "Final Queens step, $role: ffwd-upgrade run --roles $role"
        openstack overcloud ffwd-upgrade run --yes --stack queens \
            --roles "$role"
    done
    ARGS=$(tripleo-ffu-sandbox environments newton converge)
    step "openstack overcloud ffwd-upgrade converge --yes --stack queens $ARGS"
    # shellcheck disable=SC2086
    openstack overcloud ffwd-upgrade converge --yes --stack queens $ARGS
    read -r ANSWERS MISSES < "$PROBE"
    step "What the upgrade did on each node (before -> after, read over SSH)"
    tripleo-ffu-sandbox verify --queens --before "$BEFORE"
    echo "The workload answered $ANSWERS probe(s) during the upgrade," \
        "missed $MISSES."
    [ "$MISSES" = 0 ]
    keeps_running
    exit 0
fi
# shellcheck disable=SC1090
source <(tripleo-ffu-sandbox env)
tripleo-ffu-sandbox reset-nodes
tripleo-ffu-sandbox status

ENVS=sandbox/tripleo_ffu_sandbox/templates/environments
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
