"""Package layout that pyproject.toml alone cannot say.

The instruments live in the top-level forms/ folder (the design's layout); a wheel carries them
inside the package as screening/_forms, where screening/platform/resources.py finds them.
"""

from setuptools import find_packages
from setuptools import setup

setup(
    packages=[*find_packages(include=["screening*"]), "screening._forms"],
    package_dir={"screening._forms": "forms"},
)
