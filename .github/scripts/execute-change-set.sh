#!/usr/bin/env bash
# Usage: execute-change-set.sh <stack> <change-set-name-or-id> <change-set-id>
# Executes exactly the change set that was classified (and, on the reviewed path, approved): the id
# must still match, and CloudFormation must still offer it for execution (ExecutionStatus AVAILABLE;
# it turns OBSOLETE when the stack was updated since, so a stale review can never be applied). Then
# waits until the stack update (or creation) completes; a failed update rolls back and exits non-zero.
# Verified only against AWS's documentation (tests run a stand-in `aws`):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ChangeSetSummary.html
# https://docs.aws.amazon.com/cli/latest/reference/cloudformation/wait/stack-update-complete.html
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html (REVIEW_IN_PROGRESS)
set -euo pipefail
stack=$1
name=$2
expected_id=$3
read -r id status execution < <(aws cloudformation describe-change-set --stack-name "$stack" \
  --change-set-name "$name" --query '[ChangeSetId, Status, ExecutionStatus]' --output text)
if [ "$id" != "$expected_id" ]; then
  echo "execute-change-set: $name on $stack is $id now, not the reviewed $expected_id" >&2
  exit 1
fi
if [ "$status" != CREATE_COMPLETE ] || [ "$execution" != AVAILABLE ]; then
  echo "execute-change-set: $name on $stack is $status/$execution, not executable; plan again" >&2
  exit 1
fi
stack_status=$(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text)
aws cloudformation execute-change-set --stack-name "$stack" --change-set-name "$id"
# A change set that creates the stack leaves it in REVIEW_IN_PROGRESS until executed.
if [ "$stack_status" = REVIEW_IN_PROGRESS ]; then
  aws cloudformation wait stack-create-complete --stack-name "$stack"
else
  aws cloudformation wait stack-update-complete --stack-name "$stack"
fi
echo "execute-change-set: $stack now runs change set $name"
