"""The action server app: rasa_sdk's Sanic app with our actions registered and the knowledge base loaded."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.kb_access import KnowledgeSource
from actions.rasa_actions import ACTION_CLASSES
from actions.settings import ActionSettings
from actions.unanswered import UnansweredRecorder
from analytics.emitter import Emitter

log = logging.getLogger(__name__)


def create_app(settings: ActionSettings) -> Sanic[Any, Any]:
    # Every dependency of the actions is made here, once, and handed to them (rasa-sdk style).
    knowledge = KnowledgeSource(settings.index_dir, settings.redis_url, settings.redis_prefix, live=settings.kb_live)
    recorder = UnansweredRecorder(settings.redis_url, settings.redis_prefix)
    emitter = Emitter(recorder.redis(), settings.redis_prefix)  # the same client: connected lazily
    executor = ActionExecutor()
    for action_class in ACTION_CLASSES:
        executor.register_action(action_class(knowledge.get, recorder, emitter))
    app: Sanic[Any, Any] = create_sdk_app(executor, cors_origins=[])

    @app.before_server_start
    async def load_knowledge_base(_app: Sanic[Any, Any]) -> None:
        # Loaded before /health answers, so "healthy" means "ready to answer" (or logged why not).
        await asyncio.to_thread(knowledge.preload)

    @app.after_server_stop
    async def close_redis(_app: Sanic[Any, Any]) -> None:
        await recorder.close()
        await asyncio.to_thread(knowledge.stop)

    return app
