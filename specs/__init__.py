"""The OpenAPI documents, the single source of truth, installed as the package data ``mockserver.specs``.

``pyproject.toml`` maps this directory into the package (``package-dir``), so the repository keeps
its documents at the top level while a built wheel ships them inside ``mockserver``; code finds
them with ``importlib.resources.files("mockserver.specs")``. This file only makes the directory a
package that an editable install and a wheel can both import; it holds no code.
"""
