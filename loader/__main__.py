"""`python -m loader` = the procountor-loader command."""

from loader.cli import main

main()
