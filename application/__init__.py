"""The application layer: one module per task a user can start, each a plain function over a graph.

The web pages and the JSON API (``service``), the command line (``scripts``) and the job workers
call these functions and nothing below them for the same task. No Flask here.
"""
