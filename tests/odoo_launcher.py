"""Start Odoo from a script file: ``python3 tests/odoo_launcher.py server -c ...``.

In workers mode Odoo starts its gevent (websocket) worker by running
``sys.executable sys.argv[0] gevent ...``: ``python -m odoo`` cannot be re-run that
way, this script can (it is what ``odoo-bin`` does).

It also works around one known fault of older setuptools (below 66): its
``pkg_resources`` does not find distributions whose metadata directory has the
normalized name (``zope_interface-8.7.dist-info``), so loading gevent's own entry
points at ``gevent.monkey.patch_all()`` fails with ``DistributionNotFound:
zope.interface`` although the package is installed, and the gevent worker dies at
start.  A requirement is let through only when ``importlib.metadata`` finds that
distribution installed; anything really missing still fails.
"""

from importlib import metadata


def _tolerate_normalized_distribution_names():
    try:
        import pkg_resources
    except ImportError:
        return
    original = pkg_resources.EntryPoint.require

    def require(self, env=None, installer=None):
        try:
            return original(self, env, installer)
        except pkg_resources.DistributionNotFound as error:
            try:
                metadata.version(error.req.project_name)
            except metadata.PackageNotFoundError:
                raise error from None
            return None

    pkg_resources.EntryPoint.require = require


if __name__ == "__main__":
    _tolerate_normalized_distribution_names()
    import odoo.cli

    odoo.cli.main()
