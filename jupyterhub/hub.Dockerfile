# The hub for Zero to JupyterHub with the CMK lab's progress service (a hub-managed service runs in the
# hub's pod, so the lab is installed there; the hub image already has JupyterHub and tornado).
#   docker build -f jupyterhub/hub.Dockerfile -t myregistry/cmklab-hub .
FROM quay.io/jupyterhub/k8s-hub:4.2.0
USER root
COPY . /opt/cmklab
RUN python3 -m pip install --no-cache-dir /opt/cmklab
USER ${NB_USER}
