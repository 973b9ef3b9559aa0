# The one odsweep image: Katib trial pods, the KFP pipeline steps, and `odsweep run` on a
# GPU machine all run it.
#
#   docker build -t REGISTRY/odsweep:0.1 .
#
# Base: NVIDIA's CUDA runtime with cuDNN, not tensorflow/tensorflow:2.21.0-gpu. That image
# brings its own Python and TensorFlow outside uv.lock (and the CUDA libraries as pip
# packages inside its system site-packages, which a separate venv would not see); here
# every Python package is exactly the locked one. The locked tensorflow 2.21.0 wheel is
# built against CUDA 12.5 / cuDNN 9.3 (its `and-cuda` extra asks for nvidia-*-cu12 >= 12.5
# and cuDNN >= 9.3) and loads the CUDA libraries the system provides. CUDA 12.6 runs it
# (minor-version compatible within 12.x) and its cudnn image carries a cuDNN 9 release
# from after 9.3 (TF refuses a cuDNN minor older than the one it was built with).
# The node needs an NVIDIA driver for CUDA 12.6 (>= 560; >= 525 via CUDA's forward
# compatibility). Not built here (no Docker engine): the tag and versions are on paper.
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04

# uv at the version scripts/bootstrap.sh pins; Python 3.11 (the project's) managed by uv,
# as Ubuntu 22.04 ships 3.10.
COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /usr/local/bin/uv

ENV UV_PYTHON=3.11 \
    UV_PYTHON_INSTALL_DIR=/opt/python \
    UV_PYTHON_PREFERENCE=only-managed \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /opt/odsweep

# The locked dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv python install 3.11 \
    && uv sync --locked --no-dev --no-install-project \
    && rm -rf /root/.cache/uv

# Then odsweep itself, as a regular (non-editable) install into the same environment.
COPY src ./src
RUN uv sync --locked --no-dev --no-editable \
    && rm -rf /root/.cache/uv

# The venv first on PATH: `odsweep` for Katib trials, and `python3` for KFP's
# lightweight components (they run `python3 -m kfp.dsl.executor_main`; kfp is locked
# in the venv, so no step installs anything at run time).
# TF_USE_LEGACY_KERAS: the OD API needs Keras 2 (tf-keras); it must be set before
# TensorFlow is first imported. Unbuffered output: Katib's StdOut collector reads the
# trial's metric lines as they are printed.
ENV PATH=/opt/venv/bin:$PATH \
    TF_USE_LEGACY_KERAS=1 \
    PYTHONUNBUFFERED=1 \
    MPLBACKEND=Agg

# A non-root user with a home (matplotlib and TensorFlow write caches there). Numeric, so
# a pod's `runAsNonRoot: true` can verify it. /bin/sh (dash) stays: Katib's metrics
# collector runs the trial command through `sh -c`, and KFP's launcher through `sh -ec`.
RUN useradd --create-home --uid 1000 --shell /bin/sh odsweep \
    && odsweep --version \
    && sh -c 'command -v odsweep python3'
USER 1000:1000
WORKDIR /home/odsweep

CMD ["odsweep", "--help"]
