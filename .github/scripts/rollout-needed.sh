#!/usr/bin/env bash
# Usage: rollout-needed.sh <base> <head>
# Prints "true" when the commits base..head call for a new AMI rolled out, "false" otherwise: when
# @taskboard/template-service (whose deploy target bakes and rolls out) is affected by the files those
# commits change. The deploy job's own commits ("deploy(<env>): ami-… [skip ci]", which only record
# what was rolled out in the service spec) do not count: counting them would make every later push,
# even a docs-only one, bake and roll out again.
set -euo pipefail
base=$1
head=$2
files=$(git log --format= --name-only --invert-grep --grep='^deploy(' "$base..$head" | sort -u | paste -sd, -)
if [ -z "$files" ]; then
  echo false
  exit 0
fi
if npx nx show projects --affected --files="$files" --with-target deploy | grep -qx '@taskboard/template-service'; then
  echo true
else
  echo false
fi
