"""`python -m nba` runs the `nba` command line."""

from nba.cli import main

main()
