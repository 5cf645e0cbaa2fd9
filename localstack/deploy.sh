#!/usr/bin/env bash
# Deploys the Eddy CDK stack into a running LocalStack and prints its API URL.
#
#   docker compose -f localstack/docker-compose.yml up -d
#   localstack/deploy.sh
#
# Uses the repo's own CDK CLI (npx cdk) pointed at LocalStack through the
# AWS_ENDPOINT_URL variables, as cdklocal does, with LocalStack's fixed test
# credentials; AWS profiles and real credentials are dropped, so this cannot
# deploy to an AWS account.
#
# Environment:
#   EDDY_STACK_NAME   stack name (default Eddy)
#   LOCALSTACK_PORT   LocalStack gateway port on localhost (default 4566)
#   AWS_REGION        region (default us-east-1)
#
# Writes cdk.out/localstack-outputs.json (stack outputs) and
# cdk.out/localstack.env (EDDY_ENDPOINT=…, read by localstack/e2e.sh).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

stack="${EDDY_STACK_NAME:-Eddy}"
port="${LOCALSTACK_PORT:-4566}"
region="${AWS_REGION:-us-east-1}"
account="000000000000" # LocalStack's default account
outputs="cdk.out/localstack-outputs.json"
env_file="cdk.out/localstack.env"

# Only LocalStack's endpoints and test credentials from here on.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION="${region}"
export AWS_DEFAULT_REGION="${region}"
# *.localhost.localstack.cloud resolves to 127.0.0.1 (public DNS). S3 needs its
# own endpoint because asset uploads address buckets as subdomains.
export AWS_ENDPOINT_URL="http://localhost.localstack.cloud:${port}"
export AWS_ENDPOINT_URL_S3="http://s3.localhost.localstack.cloud:${port}"
export CDK_DISABLE_CLI_TELEMETRY=true

echo "Waiting for LocalStack at ${AWS_ENDPOINT_URL} ..."
ready=""
for _ in $(seq 1 60); do
  if curl -fsS "http://localhost:${port}/_localstack/health" >/dev/null 2>&1; then
    ready=yes
    break
  fi
  sleep 2
done
if [[ -z "${ready}" ]]; then
  echo "LocalStack is not answering on port ${port}; start it with: docker compose -f localstack/docker-compose.yml up -d" >&2
  exit 1
fi

npx cdk bootstrap "aws://${account}/${region}"
# removalPolicy destroy: `npx cdk destroy` leaves nothing behind in LocalStack.
npx cdk deploy "${stack}" \
  --require-approval never \
  -c "eddy:stackName=${stack}" \
  -c eddy:removalPolicy=destroy \
  --outputs-file "${outputs}"

api_id="$(node -e '
  const [file, stack] = process.argv.slice(1);
  const out = JSON.parse(require("fs").readFileSync(file, "utf8"))[stack];
  if (!out || !out.ApiId) { console.error("no ApiId output for stack " + stack + " in " + file); process.exit(1); }
  console.log(out.ApiId);
' "${outputs}" "${stack}")"

# LocalStack serves an HTTP API's $default stage at <api-id>.execute-api.localhost.localstack.cloud.
endpoint="http://${api_id}.execute-api.localhost.localstack.cloud:${port}"
printf 'EDDY_ENDPOINT=%s\n' "${endpoint}" >"${env_file}"

echo
echo "Eddy is deployed in LocalStack (stack outputs: ${outputs})."
echo "EDDY_ENDPOINT=${endpoint}"
echo "Run the end-to-end suite against it: localstack/e2e.sh"
