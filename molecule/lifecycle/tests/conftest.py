"""testinfra reads the lab's inventory (molecule.yml: verifier options); nothing to set up here."""
