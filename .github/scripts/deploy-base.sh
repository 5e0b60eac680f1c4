#!/usr/bin/env bash
# Usage: deploy-base.sh <record-ref> <head> [<main-ref>]
# Where to measure "what changed since the last deploy" from, for one part (service or environment) of
# one environment. <record-ref> is the tag the deploy job moves to the deployed commit after success
# (refs/tags/deployed/<env>/<part>); <head> is the commit whose CI passed. Prints, for $GITHUB_OUTPUT:
#   state=first       no record yet: base is empty and every commit up to <head> counts
#   state=behind      the record is an ancestor of <head>: base is the record
#   state=up-to-date  <head> is the record or older than it: nothing to deploy (a re-run of an old run
#                     must not put older code back)
#   state=diverged    the record is not in <head>'s history (main was rewritten): base is their merge base
#   base=<sha or empty>
# With <main-ref>, exits 3 unless <head> is in <main-ref>'s history: only code pushed to this
# repository's main is deployed.
set -euo pipefail
record=$1
head=$(git rev-parse --verify "$2^{commit}")
main_ref=${3:-}
if [ -n "$main_ref" ] && ! git merge-base --is-ancestor "$head" "$main_ref"; then
  echo "deploy-base: $head is not on $main_ref; refusing to deploy it" >&2
  exit 3
fi
if ! recorded=$(git rev-parse --quiet --verify "$record^{commit}"); then
  echo "state=first"
  echo "base="
elif git merge-base --is-ancestor "$head" "$recorded"; then
  echo "state=up-to-date"
  echo "base=$recorded"
elif git merge-base --is-ancestor "$recorded" "$head"; then
  echo "state=behind"
  echo "base=$recorded"
else
  echo "state=diverged"
  echo "base=$(git merge-base "$recorded" "$head" || true)"
fi
