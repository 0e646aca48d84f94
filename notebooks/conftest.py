"""nbval runs the notebooks in the order a learner takes them (00-05, 07, 08, then 06-cleanup), not in
file-name order: 07 and 08 need the lab that 06 deletes."""
from labhelpers import runner


def pytest_collection_modifyitems(items):
    order = {name: i for i, name in enumerate(runner.lab_notebooks())}
    items.sort(key=lambda item: order.get(item.path.stem, len(order)))
