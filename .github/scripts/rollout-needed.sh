#!/usr/bin/env bash
# Usage: rollout-needed.sh <base> <head> [<project>]
# Prints "true" when the commits base..head affect <project> (default @taskboard/template-service,
# whose deploy target bakes and rolls out), "false" otherwise; see affected-projects.sh for what counts.
set -euo pipefail
project=${3:-@taskboard/template-service}
if bash "$(dirname "$0")/affected-projects.sh" "$1" "$2" | grep -qxF "$project"; then
  echo true
else
  echo false
fi
