"""Running the lab for a class: the learners' progress (reported by their checks to a JupyterHub
service, or collected from a folder of lab homes), the instructor's board, and the class-wide
commands (`python -m labhelpers class ...`)."""
