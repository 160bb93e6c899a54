import sys

from kgraphlint.cli import main

# Guarded: the language server's worker process is spawned, and spawning imports the main
# module again (as __mp_main__); it must not run the command line a second time.
if __name__ == "__main__":
    sys.exit(main())
