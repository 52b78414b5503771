"""tetrad: a static site generator for learning journals that proves every code snippet still runs."""

__version__ = "0.1.0"
