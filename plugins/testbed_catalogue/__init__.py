"""The built-in catalogue: reference machines, translators, software stubs and architectures.

Each module is an ordinary testbed plugin, registered through the ``testbed`` entry-point group
exactly as a vendor's plugin is. Every default carries its source in the item's ``sources``.
"""
