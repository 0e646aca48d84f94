"""What the notebooks call (`from labhelpers import lab`): the plumbing around the SDK calls."""
from .checks import check
from .keyaudit import key_audit
from .naming import assignment_name
from .refusals import describe, explain
from .replay import ensure_cmk
from .session import setup
from .waiting import retry_rbac, wait
from .widgets import setup_form

__all__ = ["assignment_name", "check", "describe", "ensure_cmk", "explain", "key_audit", "retry_rbac", "setup",
           "setup_form", "wait"]
