#!/usr/bin/env bash
# Usage: record-deploy.sh <env> <service|environment> <deployed-sha> [<ami>]
# Records in git what now runs in <env>, right after it started running there:
#   - service: the ami_id the rollout tool wrote into templates/service/specs/<env>.yaml is committed
#     ("deploy(<env>): <ami> [skip ci]") on top of the newest main, because the checkout is the commit
#     whose CI passed (detached, possibly behind main by the time prod is approved); and
#   - the tag deployed/<env>/<part> moves to <deployed-sha>, the commit that was deployed (not the
#     spec commit), which is where the next run measures "what changed" from (deploy-base.sh).
# Both go in one atomic push, so the tag never names a deploy whose spec commit is missing. A push
# rejected because main moved is retried on the new main; a rebase conflict (someone edited the same
# ami_id line meanwhile) stops with an error instead of guessing.
# With GITHUB_TOKEN set (the workflow passes it only to this step), git authenticates with it the way
# actions/checkout does; the checkout itself keeps no credentials.
set -euo pipefail
env=$1
part=$2
deployed=$(git rev-parse --verify "$3^{commit}")
ami=${4:-}
remote=${RECORD_REMOTE:-origin}
attempts=${RECORD_ATTEMPTS:-5}
case "$part" in service | environment) ;; *)
  echo "record-deploy: part must be service or environment, not $part" >&2
  exit 2
  ;;
esac
auth=()
if [ -n "${GITHUB_TOKEN:-}" ]; then
  basic=$(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 -w0)
  auth=(-c "http.https://github.com/.extraheader=AUTHORIZATION: basic $basic")
fi
spec="templates/service/specs/$env.yaml"
committed=false
if [ "$part" = service ] && ! git diff --quiet HEAD -- "$spec"; then
  git commit -q -m "deploy($env): ${ami:-ami_id} [skip ci]" -m "Deployed-Commit: $deployed" -- "$spec"
  committed=true
fi
tag="refs/tags/deployed/$env/$part"
for attempt in $(seq 1 "$attempts"); do
  if [ "$committed" = true ]; then
    git "${auth[@]}" fetch -q "$remote" main
    if ! git rebase -q --onto FETCH_HEAD HEAD~1; then
      git rebase --abort || true
      echo "record-deploy: $spec changed on main since $deployed; commit the ami_id ($ami) by hand" >&2
      exit 1
    fi
    refspecs=("HEAD:refs/heads/main" "+$deployed:$tag")
  else
    refspecs=("+$deployed:$tag")
  fi
  if git "${auth[@]}" push -q --atomic "$remote" "${refspecs[@]}"; then
    echo "record-deploy: $tag -> $deployed$([ "$committed" = true ] && echo ", $spec on main")"
    exit 0
  fi
  echo "record-deploy: push rejected (attempt $attempt of $attempts), retrying on the newest main" >&2
  sleep "${RECORD_RETRY_SECONDS:-$((attempt * 2))}"
done
exit 1
