# JupyterHub for a class on one machine (docs/jupyterhub.md): every learner signs in with their own
# account, gets a JupyterLab server with the CMK lab, and reports each check to the progress service;
# instructors open the class board at /services/cmklab-progress/.
#
# Run it from the environment the lab is installed in (the learners' kernels use the same one):
#   cd /srv/jupyterhub && /opt/cmklab/.venv/bin/jupyterhub -f /opt/cmklab/jupyterhub/jupyterhub_config.py
#
# Settings from the environment:
#   CMKLAB_LEARNERS_GROUP  Unix group whose members may sign in (default: cmklab)
#   CMKLAB_INSTRUCTORS     comma-separated user names who see the board (they may sign in too)
#   CMKLAB_ADMINS          comma-separated hub admins (they also see the board)
#   CMKLAB_PROGRESS_PORT   where the progress service listens on loopback (default 10101)
#   CMKLAB_PROGRESS_DB     its SQLite file (default: cmklab-progress.sqlite in the hub's folder)
import os
import shutil
import sys
from pathlib import Path

import labhelpers
from labhelpers.classroom.scopes import ACCESS_SCOPE, BOARD_SCOPE, SERVICE_NAME

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

LAB = Path(labhelpers.__file__).resolve().parent.parent        # the lab's checkout
BIN = Path(sys.executable).parent


def _names(variable: str) -> set[str]:
    return {name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()}


# Who signs in: local accounts (PAM), members of the class's Unix group, and the instructors.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {os.environ.get("CMKLAB_LEARNERS_GROUP", "cmklab")}
c.Authenticator.allowed_users = _names("CMKLAB_INSTRUCTORS")
c.Authenticator.admin_users = _names("CMKLAB_ADMINS")

# The proxy: the project's own copy (`make hub-proxy`) when there is one, else configurable-http-proxy on PATH.
proxy = LAB / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
if proxy.exists():
    c.ConfigurableHTTPProxy.command = [str(proxy)]

# The learners' servers: JupyterLab from the lab's environment, opening 00-setup in their own copy of
# the notebooks (~/cmklab/notebooks); the lab keeps its state, and its sandbox, in ~/.cmklab.
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/cmklab/notebooks/00-setup.ipynb"
c.Spawner.mem_limit = "1G"        # what one learner needs: docs/jupyterhub.md (benchmarks/class_bench.py)
c.Spawner.cpu_limit = 1.0         # enforced by spawners that can (systemdspawner, KubeSpawner)
c.Spawner.http_timeout = 60

PROGRESS_PORT = int(os.environ.get("CMKLAB_PROGRESS_PORT", "10101"))
PROGRESS_URL = f"http://127.0.0.1:{PROGRESS_PORT}"
c.Spawner.environment = {"CMKLAB_PROGRESS_URL": f"{PROGRESS_URL}/services/{SERVICE_NAME}/"}
# The server's own token ($JUPYTERHUB_API_TOKEN, which its kernels inherit) may talk to the service.
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", ACCESS_SCOPE]


def copy_notebooks(spawner) -> None:
    """Give a learner their own copy of the lab's notebooks the first time their server starts."""
    home = Path(getattr(spawner, "home_dir", "") or os.path.expanduser(f"~{spawner.user.name}"))
    target = home / "cmklab" / "notebooks"
    if target.exists():
        return
    target.mkdir(parents=True)
    for notebook in sorted((LAB / "notebooks").glob("[0-9][0-9]-*")):
        shutil.copy2(notebook, target / notebook.name)
    if os.geteuid() == 0 and not hasattr(spawner, "home_dir"):        # real accounts own their copy
        import pwd
        account = pwd.getpwnam(spawner.user.name)
        for path in (home / "cmklab", target, *target.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)


c.Spawner.pre_spawn_hook = copy_notebooks

# The progress service, run by the hub; learners may reach it, instructors may open the board.
c.JupyterHub.custom_scopes = {BOARD_SCOPE: {"description": "Open the CMK lab's class board and read every "
                                                           "learner's progress."}}
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", ACCESS_SCOPE]},
    {"name": "cmklab-instructor", "description": "Sees the CMK lab's class board",
     "scopes": [ACCESS_SCOPE, BOARD_SCOPE], "groups": ["instructors"]},
    {"name": "cmklab-admin-board", "scopes": [ACCESS_SCOPE, BOARD_SCOPE], "users": sorted(_names("CMKLAB_ADMINS"))},
]
c.JupyterHub.load_groups = {"instructors": {"users": sorted(_names("CMKLAB_INSTRUCTORS"))}}
c.JupyterHub.services = [{
    "name": SERVICE_NAME,
    "url": PROGRESS_URL,
    "command": [sys.executable, "-m", "labhelpers.classroom.service"],
    "environment": {"CMKLAB_PROGRESS_DB": os.environ.get("CMKLAB_PROGRESS_DB",
                                                         os.path.abspath("cmklab-progress.sqlite"))},
    "oauth_no_confirm": True,
    "oauth_client_allowed_scopes": [BOARD_SCOPE],    # the board's login carries the scope when the user has it
    "display": True,
}]
