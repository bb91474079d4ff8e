"""``python -m sdssim``: the same as the ``sdssim`` command."""

from sdssim.cli import main

if __name__ == "__main__":
    main()
