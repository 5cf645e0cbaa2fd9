#!/usr/bin/env bash
# Runs the end-to-end suite (npm run test:e2e) against the Eddy stack that
# localstack/deploy.sh deployed, by pointing EDDY_ENDPOINT at its HTTP API.
#
#   localstack/e2e.sh [extra vitest args]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

env_file="cdk.out/localstack.env"
if [[ ! -f "${env_file}" ]]; then
  echo "${env_file} not found: run localstack/deploy.sh first" >&2
  exit 1
fi
endpoint="$(sed -n 's/^EDDY_ENDPOINT=//p' "${env_file}")"
if [[ -z "${endpoint}" ]]; then
  echo "no EDDY_ENDPOINT in ${env_file}: run localstack/deploy.sh again" >&2
  exit 1
fi

# The SDK signs requests when credentials are present; LocalStack accepts its
# test credentials (it does not enforce IAM unless ENFORCE_IAM=1).
unset AWS_PROFILE AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION="${AWS_REGION:-us-east-1}"
export EDDY_ENDPOINT="${endpoint}"

echo "EDDY_ENDPOINT=${EDDY_ENDPOINT}"
npm run test:e2e -- "$@"
