#!/bin/sh
# The single-user container's entry point (deploy/kubernetes/Dockerfile). Each course account runs
# with a numeric user id of its own (the hub's pre-spawn hook sets it from the roster): give every
# course account's id its name (nss_wrapper, from the roster mounted at /etc/ucmsc/roster.csv), so
# that nbgrader's exchange and the course's owner-checked collect see who submitted what; then copy
# the lessons into a new home, and start the command (jupyterhub-singleuser).
set -eu
ROSTER=/etc/ucmsc/roster.csv
if [ -r "$ROSTER" ]; then
    passwd=$(mktemp /tmp/ucmsc-passwd.XXXXXX)
    group=$(mktemp /tmp/ucmsc-group.XXXXXX)
    cp /etc/passwd "$passwd"
    cp /etc/group "$group"
    # roster.csv: username,role,uid (a header line first).
    tail -n +2 "$ROSTER" | while IFS=, read -r name _role uid; do
        [ -n "$uid" ] && printf '%s:x:%s:100::/home/jovyan:/bin/bash\n' "$name" "$uid" >>"$passwd"
    done
    export NSS_WRAPPER_PASSWD="$passwd" NSS_WRAPPER_GROUP="$group"
    export LD_PRELOAD=libnss_wrapper.so
    export USER="${JUPYTERHUB_USER:-$(id -un)}"
fi
if [ ! -e "$HOME/lessons" ] && [ -d /opt/ucmsc-course/repo/notebooks ]; then
    mkdir -p "$HOME/lessons"
    cp /opt/ucmsc-course/repo/notebooks/*.ipynb "$HOME/lessons/"
fi
exec "$@"
