#!/usr/bin/env bash
# Usage: deploy-plan.sh <head> [<main-ref>]
# What the deploy workflow has to do for the commit <head> whose CI passed, measured per environment
# from what was last deployed there (the tags deployed/<env>/service and deployed/<env>/environment
# that the deploy jobs move after success; see deploy-base.sh). Prints, for $GITHUB_OUTPUT:
#   rollout=true|false            bake one AMI from <head> and roll it out: dev first, then prod
#   <env>-environment=true|false  plan a change set of the environment stack of <env>
#   <env>=true|false              the deploy job of <env> has something to do
#   <env>-<part>-base=<sha>       where each range starts (empty: nothing deployed yet, all counts)
# A run waiting for prod's approval holds the deploy concurrency group; GitHub then keeps only the
# newest pending run, and that run's ranges start at the records, so they cover the commits of every
# run it replaced.
set -euo pipefail
head=$1
main_ref=${2:-}
here=$(dirname "$0")
rollout=false
declare -A env_needed affected
for env in dev prod; do
  env_needed[$env]=false
  for part in service environment; do
    # A separate assignment, so that deploy-base.sh refusing a commit that is not on main stops this script.
    found=$(bash "$here/deploy-base.sh" "refs/tags/deployed/$env/$part" "$head" $main_ref)
    state=$(sed -n 's/^state=//p' <<<"$found")
    base=$(sed -n 's/^base=//p' <<<"$found")
    echo "$env-$part-base=$base"
    needed=false
    if [ "$state" != up-to-date ]; then
      project=@taskboard/template-service
      [ "$part" = environment ] && project=@taskboard/template-environment
      # One nx run per distinct range (usually a single one for all four).
      if [ -z "${affected[x$base]+set}" ]; then
        affected[x$base]=$(bash "$here/affected-projects.sh" "$base" "$head")
      fi
      if grep -qxF "$project" <<<"${affected[x$base]}"; then needed=true; fi
    fi
    echo "deploy-plan: $env $part: ${state}, from ${base:-the first commit}: $needed" >&2
    if [ "$needed" = true ]; then
      env_needed[$env]=true
      if [ "$part" = service ]; then rollout=true; fi
    fi
    if [ "$part" = environment ]; then echo "$env-environment=$needed"; fi
  done
done
echo "rollout=$rollout"
# dev rolls out the AMI before prod does, even when only prod was behind.
for env in dev prod; do
  if [ "$rollout" = true ]; then env_needed[$env]=true; fi
  echo "$env=${env_needed[$env]}"
done
