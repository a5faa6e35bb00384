"""Mutation testing of the course's solution regions: ``nox -s mutation -- NN`` (see TESTING.md).

``operators`` finds single-token mutants inside module NN's ``# BEGIN SOLUTION NN``
regions (in any package); ``runner`` runs the module's tests on each mutant in a
copy of the repository, through ``forkserver``; ``__main__`` is the command line;
``report`` turns ``--json`` results into TESTING.md's tables.
"""
