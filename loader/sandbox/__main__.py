from .cli import sandbox

sandbox(prog_name="python -m loader.sandbox")
