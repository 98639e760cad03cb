"""The build steps pyproject.toml cannot declare; everything else (metadata, dependencies, package
data) is in pyproject.toml.

- The package list: the `lms` packages found in the tree (bench/ and tests/ are not among them),
  plus the repository's top-level `migrations/` and `courses/` mapped into the package with
  setuptools' `package_dir`, so a wheel carries them as `lms/migrations/` and
  `lms/shipped_courses/` while the repository keeps its layout. pyproject.toml's `packages.find`
  cannot add mapped packages to what it finds, hence the list here.
- The translation catalogues: Babel's own `compile_catalog` command turns
  `lms/translations/*/LC_MESSAGES/*.po` into the `.mo` files the app reads, before the package
  data is collected, so they are in every wheel (and an editable install) without being in git.

Where the running code looks for these folders is decided in config.py.
"""
from babel.messages.setuptools_frontend import compile_catalog
from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

# Top-level folders of the repository carried inside the package: {package: folder}.
MAPPED = {
    "lms.migrations": "migrations",
    "lms.migrations.versions": "migrations/versions",
    "lms.shipped_courses": "courses",
}


class build_py_with_catalogues(build_py):  # noqa: N801 - setuptools' command naming
    """`build_py` that compiles the translation catalogues first, so the `.mo` files are package data."""

    def run(self):
        self.run_command("compile_catalog")
        super().run()


setup(
    # Namespace discovery (folders without __init__.py count), as pyproject's `packages.find` did.
    packages=find_namespace_packages(include=["lms", "lms.*"]) + list(MAPPED),
    package_dir=MAPPED,
    cmdclass={"build_py": build_py_with_catalogues, "compile_catalog": compile_catalog},
    # The same catalogues `make translations` compiles; fuzzy entries count, as they do there.
    options={"compile_catalog": {"directory": "lms/translations", "use_fuzzy": True}},
)
