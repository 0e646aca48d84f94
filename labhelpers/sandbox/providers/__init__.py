"""Resource providers, one package each (moto style: models = rules, responses = wire format and
routes). Importing them registers their routes, schemas and hooks."""
from . import resources, authorization, keyvault, cognitiveservices, graph, managedidentity  # noqa: F401
