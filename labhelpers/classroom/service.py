"""The progress service: a JupyterHub service (tornado, authenticated by the hub) that takes the
learners' check results and shows the instructor's board.

  POST {prefix}api/progress        a learner's kernel reports one check (token: its JUPYTERHUB_API_TOKEN)
  GET  {prefix}api/progress        the sender's own results; an instructor's: everyone's (?user= one)
  GET  {prefix}                    the board (instructors), live; board.csv, board.json the exports

Who sent a report is whoever the hub says the token belongs to, never a field of the report, so a
learner cannot write anyone else's progress, nor read it. Instructors are those whose hub token holds
the custom scope BOARD_SCOPE (jupyterhub/jupyterhub_config.py grants it to the `instructors` group).

Run by the hub (`c.JupyterHub.services`) as `python -m labhelpers.classroom.service`; it listens on
$JUPYTERHUB_SERVICE_URL and keeps its state in $CMKLAB_PROGRESS_DB (SQLite)."""
from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from .board import Board
from .records import Progress
from .scopes import BOARD_SCOPE, SERVICE_NAME
from .store import ProgressStore

MAX_BODY = 64 * 1024


class Handler(HubOAuthenticated, web.RequestHandler):
    def initialize(self, store: ProgressStore):
        self.store = store

    def learner(self) -> dict:
        """The hub user behind this request (token or login cookie), or a 403 without one."""
        user = self.current_user
        if not user:
            raise web.HTTPError(403, "sign in to the hub first: this service needs a hub login or token")
        if user.get("kind", "user") != "user":
            raise web.HTTPError(403, "only hub users report or read progress")
        return user

    def check_xsrf_cookie(self):
        """A kernel's report carries a token, which a browser cannot forge; a cookie login still needs
        tornado's XSRF token for anything but GET."""
        _ = self.current_user              # authenticates, and notes whether by token
        if not getattr(self, "_token_authenticated", False):
            super().check_xsrf_cookie()

    def instructor(self) -> dict:
        user = self.learner()
        if BOARD_SCOPE not in user.get("scopes", []):
            raise web.HTTPError(403, f"the class board is for instructors; {user['name']} is not one "
                                     f"(the hub grants {BOARD_SCOPE} to the instructors group)")
        return user

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        message = exc.log_message if isinstance(exc, web.HTTPError) and exc.log_message else self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"code": self._reason.replace(" ", ""), "message": message}}))


class ProgressHandler(Handler):
    def get_login_url(self):
        raise web.HTTPError(403, "send the hub token in the Authorization header")

    def post(self):
        user = self.learner()
        if len(self.request.body) > MAX_BODY:
            raise web.HTTPError(413, f"a report has at most {MAX_BODY} bytes")
        try:
            data = json.loads(self.request.body or b"null")
        except ValueError:
            raise web.HTTPError(400, "the body is not JSON") from None
        if isinstance(data, dict) and data.get("user") not in (None, "", user["name"]):
            raise web.HTTPError(403, f"{user['name']} may report only their own progress")
        try:
            record = Progress.from_wire(data, user["name"])
        except ValueError as exc:
            raise web.HTTPError(400, str(exc)) from None
        self.store.put(record)
        self.set_status(201)
        self.finish(record.as_dict())

    def get(self):
        user = self.learner()
        wanted = self.get_argument("user", None)
        if wanted is None and BOARD_SCOPE not in user.get("scopes", []):
            wanted = user["name"]
        if wanted is not None and wanted != user["name"]:
            self.instructor()
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps([r.as_dict() for r in self.store.records(wanted)]))


class BoardHandler(Handler):
    @web.authenticated
    def get(self, export: str = ""):
        self.instructor()
        board = Board(self.store.records())
        if export == "board.csv":
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", 'attachment; filename="cmklab-board.csv"')
            self.finish(board.as_csv())
        elif export == "board.json":
            self.set_header("Content-Type", "application/json")
            self.finish(board.as_json())
        elif export == "table":
            self.finish(board.table_html())
        else:
            self.set_header("Cache-Control", "no-store")
            self.finish(board.page("CMK lab: the class board", live_url="table"))


def make_app(store: ProgressStore, prefix: str) -> web.Application:
    return web.Application([
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
        (url_path_join(prefix, "api/progress"), ProgressHandler, {"store": store}),
        (url_path_join(prefix, r"(board\.csv|board\.json|table)"), BoardHandler, {"store": store}),
        (prefix, BoardHandler, {"store": store}),
    ], cookie_secret=os.urandom(32), xsrf_cookies=True)


def main() -> None:
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    url = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    store = ProgressStore(os.environ.get("CMKLAB_PROGRESS_DB", "cmklab-progress.sqlite"))
    make_app(store, prefix).listen(url.port or 80, url.hostname or "127.0.0.1")
    try:
        ioloop.IOLoop.current().start()
    except KeyboardInterrupt:          # the hub stops its services with SIGINT
        store.close()


if __name__ == "__main__":
    main()
