"""The Foundry resource's own endpoint, called as you, as 08 teaches it: Cognitive Services OpenAI User
for you on the resource (a data role: Owner grants management actions only), then GET /openai/models with
a token for https://cognitiveservices.azure.com. Notebooks after 08 watch the resource this way (10: the
resource keeps using its key through the vault's firewall), and the checks of 08 and 10 make the same call."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from azure.core import PipelineClient
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.authorization import AuthorizationManagementClient

from .roles import OPENAI_USER, grant

COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"


def answer(credential, account) -> HttpResponse:
    """What the resource's endpoint answers you to GET /openai/models (the call 08 makes)."""
    endpoint = account.properties.endpoint
    client: PipelineClient = PipelineClient(endpoint,
                                            policies=[BearerTokenCredentialPolicy(credential, COGNITIVE_SCOPE)])
    return client.send_request(HttpRequest("GET", f"{endpoint.rstrip('/')}/openai/models",
                                           params={"api-version": "2024-10-21"}))


def list_models(credential, account) -> list[str]:
    """The ids of the models the endpoint offers; HttpResponseError when it refuses."""
    response = answer(credential, account)
    response.raise_for_status()
    return [model["id"] for model in response.json()["data"]]


def endpoint_as_you(cfg, account) -> Callable[[], list[str]]:
    """08's data role for you on the Foundry resource `account` (the same assignment, under the same name:
    nothing new when 08 made it), and a `list_models()` that calls its endpoint as you."""
    grant(AuthorizationManagementClient(cfg.credential, cfg.subscription_id), account.id, OPENAI_USER,
          cfg.learner_object_id, cfg.learner_principal_type)
    return partial(list_models, cfg.credential, account)
