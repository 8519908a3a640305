"""``python -m localize`` is the same as the ``localize`` command."""

from localize.cli import main

main(prog_name="localize")
