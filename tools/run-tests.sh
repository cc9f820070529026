#!/bin/bash
# Licensed under the Apache License, Version 2.0; see LICENSE.
#
# The whole test suite, from a fresh Debian machine with Python 3.11:
# installs what it needs (tools/setup-env.sh), then runs pep8 (flake8 +
# hacking), the unit tests on Python 3 and on a Queens undercloud's Python
# 2.7 (tools/setup-queens-env.sh), the tripleoclient coexistence venv, one
# sandbox for the run and the functional tests against it, the happy path
# again over RabbitMQ and on a Queens undercloud. Ends with one line:
#   N passed, N failed, N skipped
# and a non-zero exit status if anything failed.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=tools/setup-env.sh
source "$ROOT/tools/setup-env.sh" || { echo "0 passed, 1 failed"; exit 1; }

PASSED=0; FAILED=0; SKIPPED=0; PROBLEMS=()

# count_last_run [stestr command]: add the totals of its last run.
count_last_run() {
    local totals
    [ $# -gt 0 ] || set -- python -m stestr
    totals=$("$@" last 2>/dev/null |
        sed -n '/^Totals/,$p')
    local p f s
    p=$(echo "$totals" | awk '/- Passed:/ {print $3}')
    f=$(echo "$totals" | awk '/- Failed:/ {print $3}')
    s=$(echo "$totals" | awk '/- Skipped:/ {print $3}')
    PASSED=$((PASSED + ${p:-0})); FAILED=$((FAILED + ${f:-0}))
    SKIPPED=$((SKIPPED + ${s:-0}))
}

echo "== pep8 (flake8 with hacking)"
if ! flake8 tripleo_ffu sandbox tests tools setup.py; then
    PROBLEMS+=("flake8")
fi

echo "== unit tests"
python -m stestr --test-path tests/unit run || PROBLEMS+=("unit tests")
count_last_run
python -m stestr --test-path tests/sandbox run ||
    PROBLEMS+=("sandbox unit tests")
count_last_run

echo "== unit tests on Python 2.7 with Queens' libraries (.venv-queens)"
# shellcheck source=tools/setup-queens-env.sh
if source "$ROOT/tools/setup-queens-env.sh"; then
    "$QUEENS_VENV/bin/python" --version 2>&1
    # A repository of its own (this stestr is older than the venv's).
    QUEENS_STESTR=("$QUEENS_VENV/bin/stestr" --repo-url .stestr-py27)
    mkdir -p .stestr-py27
    [ -d .stestr-py27/.stestr ] || "${QUEENS_STESTR[@]}" init >/dev/null
    PYTHON="$QUEENS_VENV/bin/python" "${QUEENS_STESTR[@]}" \
        --test-path tests/unit --top-dir . run ||
        PROBLEMS+=("unit tests on Python 2.7")
    count_last_run "${QUEENS_STESTR[@]}"
    # The callback test runs this venv's Ansible 2.9.
    export TRIPLEO_FFU_QUEENS_VENV=$QUEENS_VENV
else
    PROBLEMS+=("setting up the Python 2.7 venv")
    FAILED=$((FAILED + 1))
    QUEENS_VENV=""
fi

echo "== tripleoclient coexistence venv"
COEXIST=${TRIPLEO_FFU_COEXIST_VENV:-$ROOT/.venv-coexist}
if [ ! -x "$COEXIST/bin/openstack" ] || \
        [ ! -f "$COEXIST/.tripleoclient-installed" ]; then
    python3 -m venv "$COEXIST" &&
    "$COEXIST/bin/pip" install -q --upgrade pip >"$COEXIST.log" 2>&1 &&
    "$COEXIST/bin/pip" install -q 'python-tripleoclient==20.0.0' \
        >>"$COEXIST.log" 2>&1 &&
    touch "$COEXIST/.tripleoclient-installed" || {
        tail -n 40 "$COEXIST.log"
        PROBLEMS+=("installing python-tripleoclient")
    }
fi
# This checkout without its dependencies: ansible-core would clash with
# the ansible<2.10 that tripleoclient's validations-libs pins.
"$COEXIST/bin/pip" install -q --no-deps -e "$ROOT" >>"$COEXIST.log" 2>&1 ||
    PROBLEMS+=("installing tripleo-ffu beside tripleoclient")
export TRIPLEO_FFU_COEXIST_VENV=$COEXIST

echo "== python-tripleoclient 9.3.1 (Queens) coexistence venv (Python 2.7)"
# Its ffwd-upgrade commands share our names. Only what resolves a command
# name is installed (its entry points and plugin module's imports), not
# its dependencies (tripleo-common, the clients of a whole undercloud).
COEXIST_QUEENS=${TRIPLEO_FFU_COEXIST_QUEENS_VENV:-$ROOT/.venv-coexist-queens}
if [ -n "$QUEENS_VENV" ]; then
    if [ ! -f "$COEXIST_QUEENS/.tripleoclient-installed" ]; then
        rm -rf "$COEXIST_QUEENS"
        "$VENV/bin/virtualenv" -q -p "$(find_python27)" --pip 20.3.4 \
            --setuptools 44.1.1 --wheel 0.37.1 "$COEXIST_QUEENS" \
            >"$COEXIST_QUEENS.log" 2>&1 &&
        "$COEXIST_QUEENS/bin/pip" install -q -c "$CONSTRAINTS" \
            python-openstackclient python-mistralclient python-heatclient \
            PyYAML monotonic python-swiftclient websocket-client \
            >>"$COEXIST_QUEENS.log" 2>&1 &&
        "$COEXIST_QUEENS/bin/pip" install -q --no-deps \
            'python-tripleoclient==9.3.1' >>"$COEXIST_QUEENS.log" 2>&1 &&
        touch "$COEXIST_QUEENS/.tripleoclient-installed" || {
            tail -n 40 "$COEXIST_QUEENS.log"
            PROBLEMS+=("installing python-tripleoclient 9.3.1")
        }
    fi
    "$COEXIST_QUEENS/bin/pip" install -q --no-deps -e "$ROOT" \
        >>"$COEXIST_QUEENS.log" 2>&1 ||
        PROBLEMS+=("installing tripleo-ffu beside tripleoclient 9.3.1")
    export TRIPLEO_FFU_COEXIST_QUEENS_VENV=$COEXIST_QUEENS
fi

HAPPY_PATH=test_ffwd_upgrade.TestFastForwardUpgrade.test_happy_path
QUEENS_PROCEDURE=test_queens_stack.TestQueensStack
# functional_phase WHAT VAR=VALUE TEST...: the tests on the sandbox just
# started, which VAR=VALUE tells them to expect.
functional_phase() {
    local what=$1 expect=$2
    shift 2
    env "$expect" python -m stestr --test-path tests/functional run \
        --concurrency 1 "$@" || PROBLEMS+=("functional tests $what")
    count_last_run
}

echo "== sandbox for the functional tests"
STATE_DIR=$(mktemp -d /var/tmp/tripleo-ffu-tests.XXXXXX)
chmod 755 "$STATE_DIR"
export TRIPLEO_FFU_SANDBOX_DIR=$STATE_DIR
cleanup() {
    tripleo-ffu-sandbox down >/dev/null 2>&1
    [ -n "${KEEP_SANDBOX:-}" ] || rm -rf "$STATE_DIR"
}
trap cleanup EXIT
if tripleo-ffu-sandbox up; then
    echo "== functional tests (real Mistral, Heat, ansible-playbook, CLI)"
    # The sandbox must be used, not skipped, in this run.
    export TRIPLEO_FFU_REQUIRE_SANDBOX=1
    # The whole THT procedure (prepare, run, the final step, converge, a
    # normal update) runs on the Queens undercloud below, the main job's;
    # here its stack's prepare and run still do (TestQueensNodes).
    python -m stestr --test-path tests/functional run --concurrency 1 \
        --exclude-regex "$QUEENS_PROCEDURE" ||
        PROBLEMS+=("functional tests")
    count_last_run
    # CI shows only the end of the output: keep the servers' last errors
    # for it, while the logs exist.
    if [ "$FAILED" -gt 0 ]; then
        DIAGNOSIS=$(for log in heat mistral; do
            echo "--- last errors in $log.log"
            grep -E ' (ERROR|CRITICAL) ' "$STATE_DIR/logs/$log.log" |
                tail -n 8 | cut -c1-300
        done)
    fi

    echo "== the happy path again on the distributed Mistral (RabbitMQ)"
    tripleo-ffu-sandbox down
    if tripleo-ffu-sandbox up --transport rabbit; then
        functional_phase "over RabbitMQ" TRIPLEO_FFU_EXPECT_TRANSPORT=rabbit \
            "$HAPPY_PATH"
    else
        PROBLEMS+=("sandbox up --transport rabbit")
        FAILED=$((FAILED + 1))
    fi

    echo "== on a Queens undercloud (Python 2.7: Keystone, Mistral 6," \
        "Heat 10, MariaDB, Ansible 2.9, the Queens openstack CLI): the" \
        "happy path, a UI's token, the whole procedure from a stack" \
        "deployed from the Newton templates to THT 8.4.1"
    tripleo-ffu-sandbox down
    # A sandbox of its own: other servers, databases and work dir.
    rm -rf "$STATE_DIR"
    mkdir -p "$STATE_DIR"
    chmod 755 "$STATE_DIR"
    if [ -z "${QUEENS_VENV:-}" ]; then
        PROBLEMS+=("no Python 2.7 venv for the Queens undercloud")
        FAILED=$((FAILED + 1))
    elif tripleo-ffu-sandbox up --undercloud queens \
            --queens-venv "$QUEENS_VENV"; then
        tripleo-ffu-sandbox versions
        functional_phase "on the Queens undercloud" \
            TRIPLEO_FFU_EXPECT_UNDERCLOUD=queens "$HAPPY_PATH" \
            test_ffwd_upgrade.TestQueensUndercloudUI "$QUEENS_PROCEDURE"
    else
        PROBLEMS+=("sandbox up --undercloud queens")
        FAILED=$((FAILED + 1))
    fi
else
    PROBLEMS+=("sandbox up")
    for log in "$STATE_DIR"/logs/*.log; do
        echo "--- tail of $log"; tail -n 20 "$log"
    done
    FAILED=$((FAILED + 1))
fi

[ -z "${DIAGNOSIS:-}" ] || echo "$DIAGNOSIS"
if [ ${#PROBLEMS[@]} -gt 0 ]; then
    echo "Problems: ${PROBLEMS[*]}"
    [ "$FAILED" -gt 0 ] || FAILED=1
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ ${#PROBLEMS[@]} -eq 0 ] && [ "$FAILED" -eq 0 ]
