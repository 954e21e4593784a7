"""swarmlab: the seed's Docker networking lesson as one Pulumi stack (modules.program)."""

from pathlib import Path

from modules.program import main

main(Path(__file__).resolve().parent)
