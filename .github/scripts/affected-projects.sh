#!/usr/bin/env bash
# Usage: affected-projects.sh <base> <head>
# Prints the nx projects affected by the files the commits base..head change, one per line. An empty
# <base> (nothing deployed yet, see deploy-base.sh) means every commit up to <head> counts.
# The deploy job's own commits ("deploy(<env>): ami-… [skip ci]", which only record what was rolled
# out in the service spec) do not count: counting them would make every later push, even a docs-only
# one, bake and roll out again.
set -euo pipefail
base=$1
head=$2
range=$head
if [ -n "$base" ]; then
  range="$base..$head"
fi
files=$(git log --format= --name-only --invert-grep --grep='^deploy(' "$range" | sort -u | paste -sd, -)
if [ -n "$files" ]; then
  npx nx show projects --affected --files="$files"
fi
