#!/usr/bin/env bash
# Train the Rasa model only when chatbot/ (or the Rasa pins) changed: the model file is named by a content
# hash, looked up first in models/, then in the user cache (kept across clean clones, e.g. in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${FAQBOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/arabic-faq-bot}/models"
hash="$( (cd chatbot && find . -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.md' \) \
          ! -name endpoints.yml ! -name credentials.yml -print0 | sort -z | xargs -0 sha256sum; \
          sha256sum ../requirements-rasa.txt) | sha256sum | cut -c1-16)"
name="chatbot-$hash.tar.gz"
mkdir -p models "$cache"
if [ -f "models/$name" ]; then
  echo "rasa model up to date: models/$name"
elif [ -f "$cache/$name" ]; then
  cp "$cache/$name" "models/$name"
  echo "rasa model restored from cache: models/$name"
else
  echo "training rasa model (chatbot/ changed) -> models/$name"
  start=$(date +%s)
  .venv-rasa/bin/rasa train --config chatbot/config.yml --domain chatbot/domain.yml --data chatbot/data \
      --out models --fixed-model-name "chatbot-$hash" --quiet >var/log/rasa-train.log 2>&1 \
    || { tail -40 var/log/rasa-train.log; echo "error: rasa train failed (full log: var/log/rasa-train.log)" >&2; exit 1; }
  echo "trained in $(( $(date +%s) - start ))s"
  cp "models/$name" "$cache/$name.tmp" && mv "$cache/$name.tmp" "$cache/$name"
fi
ln -sfn "$name" models/current.tar.gz
