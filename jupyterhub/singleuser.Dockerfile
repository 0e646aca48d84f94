# The learners' servers for Zero to JupyterHub (jupyterhub/z2jh-values.yaml): the Jupyter stack's
# base image with the CMK lab installed, its notebooks under /opt/cmklab/notebooks.
#   docker build -f jupyterhub/singleuser.Dockerfile -t myregistry/cmklab-singleuser .
FROM quay.io/jupyter/base-notebook:latest
COPY --chown=${NB_UID}:${NB_GID} . /opt/cmklab
RUN python -m pip install --no-cache-dir /opt/cmklab
ENV CMKLAB_HOME=/home/jovyan/.cmklab
