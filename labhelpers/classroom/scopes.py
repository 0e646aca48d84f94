"""The progress service's name on the hub and the scopes its roles grant (the hub configs, the service
and the tests share these; importing this module imports nothing of JupyterHub)."""
SERVICE_NAME = "cmklab-progress"
ACCESS_SCOPE = f"access:services!service={SERVICE_NAME}"      # report and read one's own progress
BOARD_SCOPE = "custom:cmklab-progress:board"                  # open the board, read everyone's
