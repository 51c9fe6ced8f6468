"""Read-only AI access to the warehouse over the Model Context Protocol (`procountor-loader mcp`).

The package name shadows nothing: inside it, `import mcp` still means the PyPI SDK (absolute imports).
"""
