"""Batch recommendation reports: matching over every open need in scope, totals, CSV, HTML, PDF and charts."""
