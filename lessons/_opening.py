# %% tags=["parameters"]
# Parameters: papermill overrides them; None means "as chosen in 00-setup".
mode = None
subscription_id = None
region = None
resource_group = None
key_vault_name = None
key_name = None
foundry_name = None
project_name = None

# %% [markdown]
# `lab.setup` connects this kernel (to the sandbox or to Azure, as chosen in 00-setup) and loads your
# choices into `cfg`. The badge says which of the two you are working in.

# %%
from labhelpers import lab

cfg = lab.setup(mode=mode, subscription_id=subscription_id, region=region, resource_group=resource_group,
                key_vault_name=key_vault_name, key_name=key_name, foundry_name=foundry_name,
                project_name=project_name)
