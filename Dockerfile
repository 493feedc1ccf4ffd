# The app image: handoff gateway and action server (knowledge base in-process).
# The sentence-transformers model is downloaded HERE, at build time, so that runtime never downloads anything.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
# CPU-only torch from PyTorch's index: the default wheel would pull gigabytes of CUDA.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && grep -v -E '^(torch|playwright|pytest|pytest-asyncio|ruff)==' requirements.txt > requirements.prod.txt \
 && pip install -r requirements.prod.txt

ARG EMBEDDING_MODEL=intfloat/multilingual-e5-small
RUN python -c "from sentence_transformers import SentenceTransformer as S; \
S('${EMBEDDING_MODEL}').save('/opt/models/multilingual-e5-small')"

COPY knowledge_base ./knowledge_base
COPY actions ./actions
COPY handoff ./handoff
COPY scripts ./scripts

RUN useradd --system --uid 10001 app && mkdir -p /app/var && chown -R app /app/var
USER app

ENV KB_ENCODER=sentence-transformers \
    KB_MODEL=/opt/models/multilingual-e5-small \
    KB_INDEX_DIR=/app/var/index \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
EXPOSE 8080 5055
CMD ["python", "-m", "handoff"]
