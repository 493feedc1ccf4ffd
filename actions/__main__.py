"""`python -m actions`: the Rasa custom action server (settings from the environment, see settings.py)."""

from __future__ import annotations

import os
import sys

from common.envconf import SettingsError


def main() -> int:
    from actions.settings import ActionSettings

    try:
        settings = ActionSettings.from_env()
    except SettingsError as exc:
        print(f"actions: {exc}", file=sys.stderr)
        return 2
    # knowledge_base.faqs.unanswered reads the key prefix from the process environment.
    os.environ["REDIS_PREFIX"] = settings.redis_prefix
    from actions.server import create_app
    from common.logs import configure_logging

    configure_logging("actions", settings.log_level, settings.log_format)
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
