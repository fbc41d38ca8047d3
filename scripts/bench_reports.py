import click


@click.command()
def bench_reports():
    """placeholder"""
