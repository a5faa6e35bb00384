"""``tito``, TinyTorch's command line (needs the ``cli`` extra: ``pip install 'tinytorch[cli]'``)."""


def main() -> None:
    """Entry point: start the CLI, or say how to install what it needs."""
    try:
        from .app import run
    except ImportError as error:  # typer/rich are an optional extra
        raise SystemExit(
            f"tito needs the 'cli' extra ({error.name} is missing): pip install 'tinytorch[cli]'"
        ) from None
    run()
