#!/usr/bin/env bash
# Start the whole product on localhost: action server, Rasa server, console.
# Called by `make run` after install, training and migrations. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything written under var/ (database, logs, keys) is readable by its owner only.
umask 077
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
# Rasa's structured logs as JSON, which bot/logsafety.py knows how to clean (its
# console renderer would print tracebacks with local variables).
export FORCE_JSON_LOGGING=1
PY=.venv/bin/python
RASA=.venv/bin/rasa
mkdir -p var/log
# Installs from before owner-only permissions: close what is already there.
chmod -R go-rwx var
# ACTION_ENDPOINT_URL, ACTION_SERVER_TOKEN, RASA_URL, RASA_TOKEN, RASA_HOST,
# ACTION_SERVER_HOST (development tokens are generated once into var/).
eval "$($PY -m bot.settings env)"
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
CONSOLE_PORT=${CONSOLE_PORT:-8080}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL_OVERRIDE:-http://127.0.0.1:$ACTIONS_PORT/webhook}
# The demo page's widget may connect from the console's own origin, on whatever port.
export WIDGET_ALLOWED_ORIGINS=${WIDGET_ALLOWED_ORIGINS:-http://localhost:$CONSOLE_PORT,http://127.0.0.1:$CONSOLE_PORT}
export CONSOLE_PORT RASA_URL=${RASA_URL_OVERRIDE:-http://127.0.0.1:$RASA_PORT}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://localhost:$RASA_PORT}
# WhatsApp without an account: in development, unless a real Meta app or Twilio
# number is configured, both channels talk to the console's local stand-ins and
# the simulated phone at /dev/whatsapp/ (bot/channels/README.md).
if [ "${APP_ENV:-development}" = development ]; then
  [ -n "${WHATSAPP_ACCESS_TOKEN:-}" ] || export WHATSAPP_SANDBOX=${WHATSAPP_SANDBOX:-1}
  [ -n "${TWILIO_AUTH_TOKEN:-}" ] || export TWILIO_SANDBOX=${TWILIO_SANDBOX:-1}
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

# Only the Rasa server may call it: it sends ACTION_SERVER_TOKEN (endpoints.yml).
$PY -m bot.actionserver --host "$ACTION_SERVER_HOST" --port "$ACTIONS_PORT" \
  >var/log/actions.log 2>&1 &
pids+=($!)
# Rasa's HTTP API is on for the staff console, behind RASA_TOKEN.
$RASA run --model models/cryo.tar.gz --endpoints endpoints.yml --credentials credentials.yml \
  --interface "$RASA_HOST" --port "$RASA_PORT" --cors "http://localhost:$CONSOLE_PORT" \
  --enable-api --auth-token "$RASA_TOKEN" --logging-config-file bot/logging.yml \
  >var/log/rasa.log 2>&1 &
pids+=($!)
if $PY -c 'import bot.console.__main__' 2>/dev/null; then
  # The demo page's widget talks to this Rasa server (its public address).
  $PY -m bot.console >var/log/console.log 2>&1 &
  pids+=($!)
fi

printf 'Waiting for the Rasa server to load the model'
for _ in $(seq 1 120); do
  if curl -fs "http://localhost:$RASA_PORT/" >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo; echo "A process exited; see var/log/*.log"; exit 1; }
  done
  printf '.'; sleep 1
done
echo
# Development only (refused elsewhere): a demo coordinator with a fresh password,
# so a new user can play the patient and the coordinator at once.
DEMO=$($PY -m bot.console demo-account --console-url "http://localhost:$CONSOLE_PORT" 2>/dev/null || true)
cat <<MSG

The cryoablation assistant is running.
  Demo page with the chat widget:  http://localhost:$CONSOLE_PORT/
$DEMO
  Rasa REST channel:               http://localhost:$RASA_PORT/webhooks/rest/webhook
    curl -s localhost:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
      -d '{"sender": "me", "message": "what is cryoablation?"}'
  Simulated WhatsApp phone:        http://localhost:$CONSOLE_PORT/dev/whatsapp/
  WhatsApp webhooks:               http://localhost:$RASA_PORT/webhooks/whatsapp/webhook (Meta)
                                   http://localhost:$RASA_PORT/webhooks/twilio/webhook (Twilio)
  Rasa HTTP API (staff console):   http://localhost:$RASA_PORT/  (RASA_TOKEN; development: var/rasa-dev-token)
  Action server (Rasa only):       http://localhost:$ACTIONS_PORT/health
  Logs:                            var/log/
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "A process exited; see var/log/*.log"
