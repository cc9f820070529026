#!/bin/bash
# Licensed under the Apache License, Version 2.0; see LICENSE.
#
# Installs what the demo and the tests need on a fresh Debian machine with
# Python 3.11: PostgreSQL, RabbitMQ, and for the node containers sshd, sudo,
# tini, ping, MariaDB and PyMySQL (Debian's), and a venv at .venv with this
# checkout (tripleo-ffu and, from sandbox/, tripleo-ffu-sandbox) and its
# test requirements. Safe to run again: it only adds what
# is missing. Source it: it sets VENV and PATH.

# Sourced by other scripts: no `set -e` here (it would leak into them);
# each step that must work returns 1 instead.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${TRIPLEO_FFU_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}

MISSING=""
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 ||
    MISSING="$MISSING postgresql"
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] ||
    MISSING="$MISSING rabbitmq-server"
# The sandbox's overcloud nodes: containers with their own sshd, sudo for
# the overcloud user, tini as PID 1, ping, MariaDB and PyMySQL on the
# controller.
[ -x /usr/sbin/sshd ] || MISSING="$MISSING openssh-server"
[ -x /usr/bin/sudo ] || MISSING="$MISSING sudo"
[ -x /usr/bin/tini ] || MISSING="$MISSING tini"
# The Newton deploy's validation scripts ping the nodes' addresses.
[ -x /usr/bin/ping ] || MISSING="$MISSING iputils-ping"
[ -x /usr/sbin/mariadbd ] || MISSING="$MISSING mariadb-server"
/usr/bin/python3 -c 'import pymysql' 2>/dev/null ||
    MISSING="$MISSING python3-pymysql"
if [ -n "$MISSING" ]; then
    echo "== Installing Debian packages:$MISSING"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    # The sandbox starts private servers on loopback; keep the packages'
    # own services (listening on every interface) from starting.
    NO_START=/usr/sbin/policy-rc.d
    ADDED_POLICY=""
    if [ ! -e $NO_START ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee $NO_START >/dev/null
        $SUDO chmod +x $NO_START
        ADDED_POLICY=1
    fi
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING \
        >/dev/null
    APT_STATUS=$?
    [ -z "$ADDED_POLICY" ] || $SUDO rm -f $NO_START
    [ $APT_STATUS = 0 ] || { echo "apt-get install$MISSING failed"; return 1; }
fi

# pip's chatter goes to a log, shown only when pip fails.
pip_quiet() {
    if ! "$VENV/bin/pip" install -q "$@" >"$VENV/pip.log" 2>&1; then
        tail -n 40 "$VENV/pip.log"
        echo "pip install $* failed; full output in $VENV/pip.log"
        return 1
    fi
}

if [ ! -x "$VENV/bin/python" ]; then
    echo "== Creating $VENV"
    "$PYTHON" -m venv "$VENV" || return 1
    pip_quiet --upgrade pip || return 1
fi
STAMP="$VENV/.tripleo-ffu-installed"
REQS=$(cat "$ROOT/requirements.txt" "$ROOT/test-requirements.txt" \
    "$ROOT/setup.cfg" "$ROOT/sandbox/requirements.txt" \
    "$ROOT/sandbox/setup.cfg" | md5sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$REQS" ]; then
    echo "== Installing tripleo-ffu and its test requirements into $VENV"
    pip_quiet -r "$ROOT/requirements.txt" -r "$ROOT/test-requirements.txt" ||
        return 1
    echo "$REQS" > "$STAMP"
fi
# Always re-link this checkout, the product and the sandbox (its own
# distribution, in sandbox/): entry points (commands, Mistral actions, the
# tripleo-ffu-sandbox script) come from their setup.cfg files. Their
# dependencies are installed above (test-requirements.txt lists the
# sandbox's servers).
pip_quiet --no-deps -e "$ROOT" -e "$ROOT/sandbox" || return 1
export VENV
export PATH="$VENV/bin:$PATH"
