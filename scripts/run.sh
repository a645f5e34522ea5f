#!/usr/bin/env bash
# Runs Monlight from a development checkout on etc/monlight.properties (SQLite under ./data).
# API keys come from the environment; missing ones are generated once into data/secrets.env (mode 0600)
# and printed on that first start.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
secrets=data/secrets.env
keys=(ERROR_TRACKER_API_KEY LOG_VIEWER_API_KEY METRICS_COLLECTOR_API_KEY BROWSER_RELAY_ADMIN_API_KEY)
touch "$secrets"
chmod 600 "$secrets"
generated=()
for k in "${keys[@]}"; do
  if [ -z "${!k:-}" ] && ! grep -q "^$k=" "$secrets"; then
    echo "$k=$(openssl rand -hex 16)" >> "$secrets"
    generated+=("$k")
  fi
done
set -a
# shellcheck disable=SC1090
. "$secrets"
set +a
if [ ${#generated[@]} -gt 0 ]; then
  echo "Generated API keys (stored in $secrets; shown only this once):"
  for k in "${generated[@]}"; do echo "  $k=${!k}"; done
fi
exec build/bin/monlight-host --config etc/monlight.properties
