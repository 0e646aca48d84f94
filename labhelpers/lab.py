"""What the notebooks call (`from labhelpers import lab`): the plumbing around the SDK calls."""
from .chain import show_chain
from .checks import check
from .endpoint import endpoint_as_you
from .errors import NotMadeHere
from .keyaudit import key_audit
from .labtime import advance_clock, lab_now
from .naming import assignment_name
from .privilege import Trial, identity_credential, show_answers, show_privileges, wrap_remotely
from .progress import check_all
from .refusals import describe, explain
from .replay import ensure_cmk, ensure_done
from .session import setup
from .timeline import show_timeline
from .waiting import retry_rbac, wait
from .widgets import setup_form

__all__ = ["NotMadeHere", "Trial", "advance_clock", "assignment_name", "check", "check_all", "describe",
           "endpoint_as_you", "ensure_cmk", "ensure_done", "explain", "identity_credential", "key_audit", "lab_now",
           "retry_rbac", "setup", "setup_form", "show_answers", "show_chain", "show_privileges", "show_timeline",
           "wait", "wrap_remotely"]
