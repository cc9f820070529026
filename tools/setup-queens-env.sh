#!/bin/bash
# Licensed under the Apache License, Version 2.0; see LICENSE.
#
# A Queens undercloud's Python: a Python 2.7 venv at .venv-queens with the
# library versions of Queens (tools/vendor/queens-upper-constraints.txt, from
# openstack/requirements at queens-eol): python-openstackclient 3.14,
# osc-lib 1.9, cliff 2.11, python-mistralclient 3.3, mistral-lib 0.4,
# python-heatclient 1.14, Keystone 13.0.4, Mistral 6.0.6, Heat 10.0.3
# (vendored: the package index has none older than Rocky), Ansible 2.9;
# and this checkout.
# Python 2.7 is pyenv's (or TRIPLEO_FFU_PY27). Source it after
# tools/setup-env.sh (its venv makes this one); it sets QUEENS_VENV.
# Safe to run again: it only adds what is missing.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUEENS_VENV=${TRIPLEO_FFU_QUEENS_VENV:-$ROOT/.venv-queens}
CONSTRAINTS=$ROOT/tools/vendor/queens-upper-constraints.txt

find_python27() {
    local candidate
    for candidate in "${TRIPLEO_FFU_PY27:-}" \
            "$(pyenv root 2>/dev/null)"/versions/2.7*/bin/python \
            "$HOME"/.pyenv/versions/2.7*/bin/python /usr/bin/python2.7; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

queens_pip() {
    if ! "$QUEENS_VENV/bin/pip" install -q -c "$CONSTRAINTS" "$@" \
            >"$QUEENS_VENV/pip.log" 2>&1; then
        grep -v 'is ignored\|DEPRECATION' "$QUEENS_VENV/pip.log" | tail -n 40
        echo "pip install $* failed; full output in $QUEENS_VENV/pip.log"
        return 1
    fi
}

if [ ! -x "$QUEENS_VENV/bin/python" ]; then
    PY27=$(find_python27) || {
        echo "No Python 2.7: install pyenv's 2.7 or set TRIPLEO_FFU_PY27"
        return 1
    }
    echo "== Creating $QUEENS_VENV (Python 2.7: $PY27)"
    # The last virtualenv, pip and setuptools that make and run 2.7 venvs.
    "$VENV/bin/virtualenv" -q -p "$PY27" --pip 20.3.4 \
        --setuptools 44.1.1 --wheel 0.37.1 "$QUEENS_VENV" || return 1
fi
QUEENS_STAMP="$QUEENS_VENV/.tripleo-ffu-installed"
HEAT_SDIST=$ROOT/tools/vendor/heat-10.0.3.tar.gz
QUEENS_REQS=$(cat "$ROOT/requirements.txt" "$ROOT/test-requirements-queens.txt" \
    "$ROOT/setup.cfg" "$CONSTRAINTS" "$ROOT/tools/vendor/SHA256SUMS" |
    md5sum | cut -d' ' -f1)
if [ "$(cat "$QUEENS_STAMP" 2>/dev/null)" != "$QUEENS_REQS" ]; then
    echo "== Installing Queens' libraries, Mistral 6, Heat 10 and Ansible" \
        "2.9 into $QUEENS_VENV"
    (cd "$ROOT/tools/vendor" && sha256sum -c --quiet SHA256SUMS) ||
        return 1
    queens_pip -r "$ROOT/requirements.txt" \
        -r "$ROOT/test-requirements-queens.txt" "$HEAT_SDIST" || return 1
    echo "$QUEENS_REQS" > "$QUEENS_STAMP"
fi
queens_pip --no-deps -e "$ROOT" || return 1
export QUEENS_VENV
