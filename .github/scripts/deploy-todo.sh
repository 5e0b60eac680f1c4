#!/usr/bin/env bash
# Usage: deploy-todo.sh <env> <head> <rollout> <plan-environment> [<main-ref>]
# What the deploy job of <env> still has to do when it starts, which for prod can be days after
# `affected` planned it: <rollout> and <plan-environment> are that plan (true|false), and each part is
# dropped when its record (deployed/<env>/<part>, see deploy-base.sh) already names <head> or a newer
# commit, so a re-run of an old run never puts older code or an older environment stack back.
# Prints rollout=true|false and plan=true|false for $GITHUB_OUTPUT.
set -euo pipefail
env=$1
head=$2
rollout=$3
plan=$4
main_ref=${5:-}
here=$(dirname "$0")
for part in service environment; do
  found=$(bash "$here/deploy-base.sh" "refs/tags/deployed/$env/$part" "$head" $main_ref)
  if grep -qx 'state=up-to-date' <<<"$found"; then
    echo "deploy-todo: deployed/$env/$part already names $head or a newer commit; skipping the $part" >&2
    if [ "$part" = service ]; then rollout=false; else plan=false; fi
  fi
done
echo "rollout=$rollout"
echo "plan=$plan"
